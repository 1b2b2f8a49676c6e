"""Sending e-mail from a Celery task: which failures are worth a retry."""

from __future__ import annotations

import smtplib


class TransientMailError(Exception):
    """Sending failed for a reason that may go away (the mail server is down); the task retries with backoff."""


def is_transient(exc: BaseException) -> bool:
    """A 4xx answer, or no connection to the mail server: trying again later may succeed. Anything else will not."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | ConnectionError | TimeoutError)
