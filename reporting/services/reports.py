"""Writes of progress reports: the texts the managers write, generating a report's files, submitting (freezing) it."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from projects.concurrency import StaleRecordError, check_not_stale
from projects.models import AuditEvent, BackgroundJob, Workstream
from projects.queries import user_time_zone
from projects.services import audit_log, job_start

from .. import content
from ..models import DeviationNote, ProgressReport, ReportingPeriod, ReportSnapshot, WorkstreamNarrative

REPORT_JOB = "progress_report"
REPORT_FORMATS = ("pdf", "docx", "xlsx", "csv")


@transaction.atomic
def report_texts_save(
    *,
    user,
    period: ReportingPeriod,
    highlights: str,
    workstreams: dict[int, str] | None = None,
    deviations: dict[str, tuple[str, str]] | None = None,
    expected_version: int | None = None,
) -> ProgressReport:
    """Save what the managers write for a period's report: the highlights, a narrative per workstream ({workstream
    id: text}) and an explanation and corrective measure per deviation ({deviation key: (explanation, measure)}).
    Parts not given are left as they are. Refuses a stale `expected_version` (the version the form was opened on; 0
    when nothing was written yet), so one manager's text never silently replaces another's; every text is in one
    record's version, so the whole page is refused or saved at once."""
    stored = ProgressReport.objects.select_for_update().filter(period=period).first()
    check_not_stale(stored, expected_version, what=_("report"))
    created = stored is None
    report = stored or ProgressReport(period=period)
    changes = {}
    if report.narrative != highlights:
        changes["highlights"] = True
    report.narrative, report.updated_by = highlights, user
    try:
        with transaction.atomic():
            report.save()  # a new version even when only a workstream's or a deviation's text changed
    except IntegrityError:  # the period's first text, saved by someone else a moment ago
        raise StaleRecordError(ProgressReport.objects.filter(period=period).first(), what=_("report")) from None
    known = set(Workstream.objects.filter(project=period.project_id).values_list("pk", flat=True))
    for workstream_id, text in (workstreams or {}).items():
        if workstream_id not in known:
            raise ValueError(f"workstream {workstream_id} is not of project {period.project_id}")
        WorkstreamNarrative.objects.update_or_create(
            report=report, workstream_id=workstream_id, defaults={"text": text}
        )
        changes.setdefault("workstreams", []).append(workstream_id)
    for key, (explanation, measure) in (deviations or {}).items():
        DeviationNote.objects.update_or_create(
            report=report, key=key[:100], defaults={"explanation": explanation, "measure": measure}
        )
        changes.setdefault("deviations", []).append(key)
    audit_log(
        user=user,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.CHANGE,
        obj=report,
        project=period.project,
        details={"texts": changes},
    )
    return report


def report_narrative_save(
    *, user, period: ReportingPeriod, narrative: str, expected_version: int | None = None
) -> ProgressReport:
    """Save the highlights alone (what the first progress reports called the narrative)."""
    return report_texts_save(user=user, period=period, highlights=narrative, expected_version=expected_version)


@transaction.atomic
def report_generate(
    *,
    user,
    period: ReportingPeriod,
    fmt: str,
    audience: str = content.MANAGERS,
    version: int | None = None,
    time_zone: str | None = None,
) -> BackgroundJob:
    """Queue the rendering of a period's progress report in one format for an audience, from the current records or
    (`version`) from a submitted version's frozen content; the job page shows its progress.

    The report's times are written in `time_zone` (by default the requesting user's), as the pages show them. Every
    report file is for the project's managers to download: a funder's file counts sensitive activities in its
    period numbers, which other members do not see.
    """
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    if audience not in content.AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    if version is not None and not ReportSnapshot.objects.filter(period=period, number=version).exists():
        raise ValueError(f"no submitted version {version} of period {period.pk}")
    what = _("submitted version %(number)s") % {"number": version} if version else _("current figures")
    job = job_start(
        user=user,
        project=period.project,
        kind=REPORT_JOB,
        title=_("%(report)s: %(format)s for %(audience)s, %(what)s")
        % {
            "report": period.title or period.get_kind_display(),
            "format": fmt.upper(),
            "audience": content.AUDIENCE_NAMES[audience],
            "what": what,
        },
        params={
            "period_id": period.pk,
            "format": fmt,
            "audience": audience,
            "version": version,
            "time_zone": time_zone or user_time_zone(user),
        },
        audience=BackgroundJob.Audience.MANAGERS,
    )
    audit_log(
        user=user,
        action=AuditEvent.Action.EXPORT,
        obj=period,
        details={"format": fmt, "audience": audience, "version": version, "job": str(job.pk)},
    )
    return job


@transaction.atomic
def report_submit(*, user, period: ReportingPeriod, on: date) -> ReportSnapshot:
    """Record that the period's report went to the funder on `on`, freezing its content (both audiences, the figures
    as of today) as the next submitted version: the files rendered from it keep these numbers whatever changes
    later. Submitting again (a corrected report) makes a new version; the earlier ones stay, and the period keeps the
    date its report first went to the funder."""
    if on > timezone.localdate():
        raise ValidationError({"on": _("A report cannot be submitted in the future.")})
    if on < period.end:
        end = date_format(period.end, "j M Y")
        raise ValidationError({"on": _("A report is submitted after its period ends (%(end)s).") % {"end": end}})
    locked = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    number = (locked.snapshots.aggregate(n=Max("number"))["n"] or 0) + 1
    frozen = {audience: content.period_content(locked, audience=audience) for audience in content.AUDIENCES}
    for data in frozen.values():
        data["cover"].update(
            {
                "version": number,
                "version_label": _("Submitted version %(number)s") % {"number": number},
                "submitted_on": on.isoformat(),
            }
        )
    snapshot = ReportSnapshot.objects.create(
        period=locked, number=number, submitted_on=on, content=frozen, created_by=user
    )
    locked.submitted_on = min(locked.submitted_on or on, on)  # when the report first went to the funder
    locked.save(update_fields=["submitted_on"])
    period.submitted_on = locked.submitted_on
    audit_log(
        user=user,
        action=AuditEvent.Action.TRANSITION,
        obj=locked,
        details={"submitted_on": on.isoformat(), "version": number},
    )
    return snapshot


@transaction.atomic
def period_unsubmit(*, user, period: ReportingPeriod) -> ReportingPeriod:
    """Clear the period's submission date (entered by mistake); its frozen versions stay, as sent."""
    period.submitted_on = None
    period.save(update_fields=["submitted_on"])
    audit_log(user=user, action=AuditEvent.Action.TRANSITION, obj=period, details={"submitted_on": None})
    return period
