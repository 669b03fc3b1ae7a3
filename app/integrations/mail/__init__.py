"""Posting a printed appeal letter: Lob's print-and-mail API, or the operators' print queue.

The provider is chosen where the app is wired (MAIL_BACKEND); both implement
`base.LetterMailer`, and nothing here reads configuration or opens a connection at import.
"""
