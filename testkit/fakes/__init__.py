"""Local stand-ins for the services the app talks to, each speaking the real protocol.

Every fake binds 127.0.0.1 on a free port, is driven by the real client library in the
tests (stripe, openai, smtplib, sentry-sdk), and can be stopped and started again on the
same port so tests can take a dependency away in the middle of work.
"""
