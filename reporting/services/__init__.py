"""Writes of the reporting app: progress reports (`reports.py`: the texts, the files, submitting and freezing) and
reminders and notifications (`reminders.py`: preferences, read marks, sending each reminder exactly once)."""

from .reminders import (
    MONTHLY_REPORT,
    Reminder,
    TransientDeliveryError,
    audit_email_sent,
    audit_log,
    delivery_record,
    delivery_send,
    monthly_reports_dispatch,
    notifications_mark_read,
    preferences_save,
    reminders_dispatch,
    reminders_sweep,
)
from .reports import (
    REPORT_FORMATS,
    REPORT_JOB,
    period_unsubmit,
    report_generate,
    report_narrative_save,
    report_submit,
    report_texts_save,
)

__all__ = [
    "MONTHLY_REPORT", "REPORT_FORMATS", "REPORT_JOB", "Reminder", "TransientDeliveryError", "audit_email_sent",
    "audit_log", "delivery_record",
    "delivery_send", "monthly_reports_dispatch", "notifications_mark_read", "period_unsubmit", "preferences_save",
    "reminders_dispatch", "reminders_sweep", "report_generate", "report_narrative_save", "report_submit",
    "report_texts_save",
]  # fmt: skip
