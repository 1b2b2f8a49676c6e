"""Progress reports rendered as PDF (WeasyPrint), XLSX (openpyxl, write-only) and CSV, and the job that does it.

The data come from `queries.report_data` (plain dicts); each renderer returns bytes. The background job handler
`progress_report_job` is registered in `ReportingConfig.ready()` under `services.REPORT_JOB`.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zoneinfo
from datetime import date, timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.exports import export_cell
from projects.jobs import JobError, JobResult
from projects.models import Project

from .models import ProgressReport, ReportingPeriod
from .queries import report_data
from .series import month_end


def _headers() -> list[str]:
    return [_("Indicator"), _("Unit"), _("At start"), _("In period"), _("Cumulative"), _("Target"), _("Percent")]


def _indicator_cells(row: dict) -> list:
    return [
        row["label"],
        row["unit"],
        row["at_start"],
        row["in_period"],
        row["cumulative"],
        row["target"],
        row["percent"],
    ]


def render_pdf(data: dict, *, time_zone: str | None = None) -> bytes:
    """The PDF; its times ("Generated on ...") in `time_zone`, the reader's (a job runs outside any request)."""
    from weasyprint import HTML

    zone = _zone(time_zone)
    with timezone.override(zone):
        html = render_to_string("reporting/report_pdf.html", {"data": data, "generated": timezone.now()})
    return HTML(string=html).write_pdf()


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.PORTAL_DEFAULT_USER_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.PORTAL_DEFAULT_USER_TIME_ZONE)


def render_xlsx(data: dict) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Indicators"))
    sheet.append([_("Project"), data["project"]["code"], data["project"]["name"]])
    sheet.append([_("Period"), data["since"], data["until"]])
    sheet.append([])
    sheet.append(_headers())
    for row in data["indicators"]:
        sheet.append([export_cell(value) for value in _indicator_cells(row)])
    items = workbook.create_sheet(_("Items of the period"))
    items.append([_("Kind"), _("Title"), _("Date"), _("Status")])
    for item in data["items"]:
        items.append([export_cell(item["kind"]), export_cell(item["title"]), item["date"], export_cell(item["status"])])
    for section in data["sections"]:
        sheet = workbook.create_sheet(section["title"][:31])  # Excel's limit on a sheet's name
        sheet.append([export_cell(column) for column in section["columns"]])
        for row in section["rows"]:
            sheet.append([export_cell(value) for value in row])
    narrative = workbook.create_sheet(_("Narrative"))
    for paragraph in (data["narrative"] or "").splitlines() or [""]:
        narrative.append([export_cell(paragraph)])
    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        workbook.save(handle)
        handle.seek(0)
        return handle.read()


def render_csv(data: dict) -> bytes:
    """One table: the indicators, the items of the period, then each contributed section (a `section` column tells
    them apart)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Section"), *_headers()])
    for row in data["indicators"]:
        writer.writerow(["indicator", *[export_cell(v) for v in _indicator_cells(row)]])
    for item in data["items"]:
        writer.writerow(
            [
                "item",
                export_cell(item["title"]),
                export_cell(item["kind"]),
                item["date"].isoformat(),
                "",
                "",
                "",
                export_cell(item["status"]),
            ]
        )
    for section in data["sections"]:  # each contributed table: its title row, then its rows
        writer.writerow([section["key"], *[export_cell(column) for column in section["columns"]]])
        for row in section["rows"]:
            writer.writerow([section["key"], *[export_cell(value) for value in row]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


RENDERERS = {"pdf": render_pdf, "xlsx": render_xlsx, "csv": render_csv}


def period_report_data(period: ReportingPeriod, *, include_sensitive: bool = False) -> dict:
    """A period's report for a reader who sees sensitive records or not (a job: its audience)."""
    report = ProgressReport.objects.filter(period=period).first()
    return report_data(
        period.project,
        since=period.start,
        until=period.end,
        title=str(period),
        narrative=report.narrative if report else "",
        include_sensitive=include_sensitive,
    )


def progress_report_job(job, progress) -> JobResult:
    """Background job: render a reporting period's progress report in the format asked for; it names sensitive
    records only when it is for the managers (`BackgroundJob.sees_sensitive`)."""
    fmt = job.params.get("format")
    if fmt not in RENDERERS:
        raise JobError(_("Unknown report format."))
    period = ReportingPeriod.objects.filter(project=job.project, pk=job.params.get("period_id")).first()
    if period is None:
        raise JobError(_("This reporting period no longer exists."))
    progress(10, _("Computing the indicators"))
    data = period_report_data(period, include_sensitive=job.sees_sensitive)
    progress(60, _("Writing the %(format)s file") % {"format": fmt.upper()})
    content = render_pdf(data, time_zone=job.params.get("time_zone")) if fmt == "pdf" else RENDERERS[fmt](data)
    filename = f"progress-report-{period.project.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    return JobResult(filename=filename, content=content, data={"period_id": period.pk, "format": fmt})


def monthly_report_pdf(
    *, project: Project, month: date, include_sensitive: bool, time_zone: str | None = None
) -> tuple[str, bytes]:
    """The PDF progress report of one calendar month (the monthly e-mail to managers), times in `time_zone`; with
    sensitive records only for a recipient who sees them."""
    until = month_end(month)
    data = report_data(
        project,
        since=month,
        until=until,
        title=_("Monthly report %(month)s") % {"month": month.strftime("%B %Y")},
        include_sensitive=include_sensitive,
    )
    return f"progress-{project.code}-{month:%Y-%m}.pdf", render_pdf(data, time_zone=time_zone)


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
