"""Operators: who is signed in (server-side sessions) and how a sign-in is checked.

Used by the admin console, the health endpoint and the unsubscribe status API alike, so it
imports no blueprint package.
"""
