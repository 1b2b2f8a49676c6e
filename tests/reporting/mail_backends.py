"""E-mail backends for the reminder tests: they fail like a real mail server would, then deliver to mail.outbox."""

import smtplib
import threading

from django.core.mail.backends.locmem import EmailBackend

_lock = threading.Lock()
failures = {"transient": 0, "permanent": 0}


class FlakyBackend(EmailBackend):
    """Fails with a transient error while failures["transient"] > 0, then delivers."""

    def send_messages(self, messages):
        with _lock:
            if failures["transient"] > 0:
                failures["transient"] -= 1
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"No such user")})
