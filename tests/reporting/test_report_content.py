"""The progress report's content (issue 14): the same numbers as the dashboard for the same date and audience, the
managers' texts, a submitted version frozen, sensitive activities counted but never named for the funder, and a
fixed number of queries whatever the amount of data."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from operations.models import ActivityType, JointActivity
from projects.access import Action
from projects.models import AuditEvent, Country, Deliverable, Project
from projects.queries import project_for_user
from projects.registry import registry
from reporting import content, queries, reports, services
from reporting.models import DeviationNote, ProgressReport, ReportingPeriod, ReportSnapshot, WorkstreamNarrative
from reporting.render import render
from reporting.status import due_query
from tests.utils import get_ok, page_form_data

NUMBERS = ("at_start", "in_period", "cumulative", "target", "percent")


@pytest.fixture
def demo(db):
    call_command("seed_demo", activities=60, force=True, stdout=StringIO())
    users = get_user_model().objects
    return {role: users.get(username=f"demo-{role}") for role in ("manager", "viewer", "staff")}


def _as(user, code: str) -> Project:
    return project_for_user(user, code, Action.VIEW)


def _periods(code: str) -> list[ReportingPeriod]:
    return list(ReportingPeriod.objects.filter(project__code=code).order_by("start"))


def _dashboard(user, period: ReportingPeriod, as_of: date) -> dict:
    project = _as(user, period.project.code)
    return queries.project_dashboard(project, today=as_of, since=period.start, until=period.end)


def _ended(period: ReportingPeriod) -> bool:
    return period.end < timezone.localdate()


@pytest.mark.parametrize("code", ["ATHENA2", "DTP-TOC", "IMOBEX"])
def test_a_fresh_report_equals_the_dashboard_for_the_same_date_and_audience(demo, code):
    for period in _periods(code):
        report = content.period_content(period, audience=content.MANAGERS)
        as_of = date.fromisoformat(report["cover"]["as_of"])
        board = _dashboard(demo["manager"], period, as_of)
        rows = {row.key: tuple(getattr(row, n) for n in NUMBERS) for row in board["rows"]}
        assert {row["key"]: tuple(row[n] for n in NUMBERS) for row in report["indicators"]} == rows, period
        summary = report["summary"]
        assert (summary["status"], summary["progress"], summary["elapsed"], summary["overdue"]) == (
            board["status"].value,
            board["progress"],
            board["elapsed"],
            board["overdue_count"],
        ), period
        countries = {entry["metric"]: [list(pair) for pair in entry["values"]] for entry in board["breakdowns"]
                     if entry["dimension"] == "country"}  # fmt: skip
        metric = {i.key: i.metric for i in period.project.indicators.all()}
        for row in report["indicators"]:
            assert row["by_country"] == countries.get(metric[row["key"]], []), (period, row["key"])

        # The funder's report: the managers' numbers; its lists are the viewer's (no sensitive record named).
        funder = content.period_content(period, audience=content.FUNDER)
        assert funder["indicators"] == report["indicators"] and funder["summary"] == report["summary"]
        listed = registry.timeline.page(
            [period.project_id],
            due_query("overdue", today=as_of, since=period.start, until=period.end, include_sensitive=False),
        ).items
        expected = [f"{i.kind}:{i.pk}" for i in listed if i.kind not in content.NOT_DEVIATIONS]
        found = [d["key"] for d in funder["deviations"] if d["kind"] != "indicator"]
        assert found == expected


def test_a_funder_report_counts_sensitive_activities_but_never_names_them(demo):
    sensitive = JointActivity.objects.counted().filter(project__code="ATHENA2", is_sensitive=True).first()
    assert sensitive is not None, "the demo data hold a sensitive activity that counts"
    period = ReportingPeriod.objects.get(
        project__code="ATHENA2", start__lte=sensitive.end_date, end__gte=sensitive.end_date
    )
    managers = content.period_content(period, audience=content.MANAGERS)
    funder = content.period_content(period, audience=content.FUNDER)
    assert sensitive.title in json.dumps(managers) and sensitive.reference in json.dumps(managers)
    for fmt in ("csv", "docx", "xlsx", "pdf"):
        funder_text, managers_text = _text_of(fmt, render(funder, fmt)), _text_of(fmt, render(managers, fmt))
        assert sensitive.reference in managers_text, fmt  # the reading works: the managers' file names it
        assert sensitive.title not in funder_text and sensitive.reference not in funder_text, fmt
    assert sensitive.title not in json.dumps(funder) and sensitive.reference not in json.dumps(funder)

    def held(report: dict) -> tuple[int, int, int]:
        entries = [h for ws in report["workstreams"] for h in ws["held"] if h["key"] == "joint-activities"]
        return tuple(
            sum(h[part] if part != "lines" else len(h[part]) for h in entries)
            for part in ("total", "lines", "withheld")
        )

    total, lines, withheld = held(funder)
    assert (total, lines + withheld) == (held(managers)[0], held(managers)[1]) and withheld >= 1


def _text_of(fmt: str, body: bytes) -> str:
    """A report file's text, read back as its reader would (compressed formats opened)."""
    if fmt == "pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if fmt == "docx":
        from docx import Document

        document = Document(io.BytesIO(body))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body))
        return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v)
    return body.decode("utf-8-sig")


def test_a_submitted_report_keeps_its_figures_and_regenerating_shows_the_differences(demo):
    period = _periods("ATHENA2")[0]
    manager = demo["manager"]
    snapshot = services.report_submit(user=manager, period=period, on=period.end + timedelta(days=20))
    assert snapshot.number == 2  # the demo data froze version 1 when they submitted it
    frozen = snapshot.content[content.FUNDER]
    assert frozen["cover"]["version_label"] == "Submitted version 2"
    assert frozen["cover"]["submitted_on"] == (period.end + timedelta(days=20)).isoformat()

    JointActivity.objects.create(
        project=period.project,
        type=ActivityType.JOINT_OPERATION,
        title="Operation after submission",
        lead_country=Country.objects.get(code="RO"),
        start_date=period.start + timedelta(days=3),
        end_date=period.start + timedelta(days=4),
        status="completed",
        validation_state="validated",
    )
    live = content.period_content(period, audience=content.FUNDER)
    changed = {d["what"]: (d["before"], d["after"]) for d in content.differences(frozen, live)}
    before, after = changed["Joint operations: in period"]
    assert after == before + 1

    rows = list(csv.reader(io.StringIO(render(reports.report_content(period, audience="funder", version=2), "csv")
                                       .decode("utf-8-sig"))))  # fmt: skip
    frozen_ops = next(r for r in frozen["indicators"] if r["key"] == "joint_operations")
    indicator_rows = [r for r in rows if r[0] == "indicator" and r[2] == "Joint operations"]
    assert indicator_rows and str(frozen_ops["in_period"]) in indicator_rows[0]
    assert str(before) == str(frozen_ops["in_period"])

    page = get_ok(_client(manager), period.get_absolute_url()).content.decode()
    assert "Since version 2 was submitted" in page and "Joint operations: in period" in page
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.TRANSITION, object_id=str(period.pk), details__version=2
    ).exists()


def _sections(client, period: ReportingPeriod, audience: str, version: int | None = None) -> str:
    """The report's HTML as a page loads it, section by section."""
    query = f"?version={version}" if version else ""
    return "".join(
        get_ok(
            client, reverse("reporting:report-section", args=[period.project.code, period.pk, audience, s]) + query
        ).content.decode()
        for s in content.SECTIONS
    )


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_a_manager_writes_every_text_of_the_report_in_one_form(demo):
    manager = demo["manager"]
    period = next(p for p in _periods("ATHENA2") if not p.snapshots.exists())
    client = _client(manager)
    url = period.get_absolute_url()
    response = get_ok(client, url)
    form = response.context["form"]
    data = page_form_data(response)
    ws_id, ws_field = form.workstream_fields[0]
    key, _title, _about, why, measure = form.deviation_fields[0]
    data.update({"highlights": "Eleven joint operations.", ws_field: "WS text.", why: "Late form.", measure: "Weekly"})
    response = client.post(url, data, follow=True)
    assert "The report&#x27;s texts were saved." in response.content.decode()
    report = ProgressReport.objects.get(period=period)
    assert report.narrative == "Eleven joint operations." and report.updated_by == manager
    assert WorkstreamNarrative.objects.get(report=report, workstream_id=ws_id).text == "WS text."
    note = DeviationNote.objects.get(report=report, key=key)
    assert (note.explanation, note.measure) == ("Late form.", "Weekly")
    event = AuditEvent.objects.filter(object_type="reporting.ProgressReport", object_id=str(report.pk)).latest("at")
    assert event.details["texts"]["deviations"] == [key] or key in event.details["texts"]["deviations"]

    preview = get_ok(client, reverse("reporting:report-preview", args=["ATHENA2", period.pk]) + "?audience=funder")
    assert "The funder (sensitive activities as counts only)" in preview.content.decode()
    text = _sections(client, period, "funder")
    assert "Eleven joint operations." in text and "Late form." in text and "WS text." in text


def test_too_long_a_text_is_refused_next_to_its_field_and_nothing_is_saved(demo):
    manager = demo["manager"]
    period = _periods("ATHENA2")[-1]
    client = _client(manager)
    data = page_form_data(get_ok(client, period.get_absolute_url()))
    response = client.post(period.get_absolute_url(), {**data, "highlights": "x" * 20_001})
    assert response.status_code == 200 and response.context["form"].errors["highlights"]
    assert not ProgressReport.objects.filter(period=period, narrative__startswith="xxx").exists()


@pytest.mark.parametrize(
    ("on", "message"),
    [(lambda p: timezone.localdate() + timedelta(days=1), "in the future"), (lambda p: p.start, "after its period")],
)
def test_a_submission_date_in_the_future_or_before_the_period_ends_is_refused(demo, on, message):
    period = next(p for p in _periods("ATHENA2") if _ended(p))
    versions = period.snapshots.count()
    response = _client(demo["manager"]).post(
        reverse("reporting:report-submit", args=["ATHENA2", period.pk]), {"on": on(period).isoformat()}, follow=True
    )
    assert message in response.content.decode()
    assert period.snapshots.count() == versions


def test_the_admins_submission_date_freezes_a_version_through_the_same_service(demo):
    from django.contrib.admin.sites import site

    period = next(p for p in _periods("DTP-TOC") if _ended(p))
    admin_user = get_user_model().objects.get(username="demo-admin")
    request = RequestFactory().post("/")
    request.user = admin_user
    versions = period.snapshots.count()
    site._registry[ReportingPeriod].transition(request, period, submitted_on=period.end + timedelta(days=3))
    assert period.snapshots.count() == versions + 1
    site._registry[ReportingPeriod].transition(request, period, submitted_on=None)
    period.refresh_from_db()
    assert period.submitted_on is None and period.snapshots.count() == versions + 1  # the versions stay


def test_a_viewer_reads_the_report_as_the_dashboard_shows_it_and_cannot_preview_a_file(demo):
    viewer = demo["viewer"]
    sensitive = JointActivity.objects.counted().filter(project__code="ATHENA2", is_sensitive=True).first()
    period = ReportingPeriod.objects.get(
        project__code="ATHENA2", start__lte=sensitive.end_date, end__gte=sensitive.end_date
    )
    client = _client(viewer)
    page = get_ok(client, period.get_absolute_url()).content.decode()
    assert "Write the report" not in page and "Generate the files" not in page
    text = _sections(client, period, "reader")
    shown = JointActivity.objects.counted().filter(project=period.project, is_sensitive=False)
    shown = shown.filter(end_date__range=(period.start, period.end)).first()
    assert shown.title in text and sensitive.title not in text and sensitive.reference not in text
    section = reverse("reporting:report-section", args=["ATHENA2", period.pk, "funder", "summary"])
    assert client.get(section).status_code == 403
    assert client.get(reverse("reporting:report-preview", args=["ATHENA2", period.pk])).status_code == 403
    assert client.post(period.get_absolute_url(), {"highlights": "Mine"}).status_code == 403


def test_the_report_content_runs_a_fixed_number_of_queries_whatever_the_data(demo):
    period = next(p for p in _periods("ATHENA2") if _ended(p))
    period = ReportingPeriod.objects.select_related("project").get(pk=period.pk)
    with CaptureQueriesContext(connection) as first:
        content.period_content(period, audience=content.FUNDER)
    before = len(first.captured_queries)
    country = Country.objects.get(code="BG")
    JointActivity.objects.bulk_create(
        JointActivity(
            project=period.project,
            type=ActivityType.JOINT_PATROL,
            title=f"Patrol {n}",
            lead_country=country,
            start_date=period.start + timedelta(days=n % 100),
            end_date=period.start + timedelta(days=n % 100 + 1),
            status="completed",
            validation_state="validated",
            is_sensitive=n % 3 == 0,
        )
        for n in range(200)
    )
    with CaptureQueriesContext(connection) as second:
        content.period_content(period, audience=content.FUNDER)
    after = len(second.captured_queries)
    assert after == before, [q["sql"][:150] for q in second.captured_queries]


def test_a_report_of_every_demo_period_renders_in_every_format(demo):
    """No format fails on real data: projects without workstreams' records, without indicators measured, ended."""
    for period in ReportingPeriod.objects.select_related("project"):
        data = content.period_content(period, audience=content.FUNDER)
        for fmt in ("csv", "xlsx", "docx"):
            assert render(data, fmt), (period, fmt)


def test_deliverables_due_in_the_period_are_listed_under_their_workstream_late_or_not(demo):
    period = next(p for p in _periods("ATHENA2") if _ended(p))
    deliverable = Deliverable.objects.filter(workstream__project=period.project).first()
    Deliverable.objects.filter(pk=deliverable.pk).update(
        due_date=period.start + timedelta(days=5), status=Deliverable.Status.PLANNED, delivered_on=None
    )
    report = content.period_content(period, audience=content.FUNDER)
    [listed] = [d for ws in report["workstreams"] for d in ws["deliverables"] if d["title"] == deliverable.title]
    assert listed["late"] is True
    assert f"deliverable:{deliverable.pk}" in content.deviation_keys(report)
    assert ReportSnapshot.objects.filter(period__project__code="ATHENA2").exists()


def test_the_admin_cannot_delete_a_submitted_version_nor_the_period_it_froze(demo):
    snapshot = ReportSnapshot.objects.select_related("period").first()
    client = _client(get_user_model().objects.get(username="demo-admin"))
    period_delete = reverse("admin:reporting_reportingperiod_delete", args=[snapshot.period_id])
    snapshot_delete = reverse("admin:reporting_reportsnapshot_delete", args=[snapshot.pk])
    assert client.post(period_delete, {"post": "yes"}).status_code == 403
    assert client.post(snapshot_delete, {"post": "yes"}).status_code == 403
    assert ReportSnapshot.objects.filter(pk=snapshot.pk).exists()


@pytest.mark.parametrize("audience", ["managers", "funder"])
def test_a_report_job_for_an_audience_counting_sensitive_records_is_refused_to_one_who_does_not_see_them(
    demo, audience
):
    from unittest import mock

    from projects.jobs import JobError, job_start

    period = _periods("ATHENA2")[0]
    job = job_start(
        user=demo["staff"],
        project=period.project,
        kind=services.REPORT_JOB,
        title="Report",
        params={"period_id": period.pk, "format": "csv", "audience": audience},
    )
    assert not job.sees_sensitive
    with pytest.raises(JobError):
        reports.progress_report_job(job, mock.Mock())


def test_every_format_of_a_submitted_version_holds_the_numbers_of_its_snapshot_not_todays(demo):
    """Read back the indicator table of each format rendered from a submitted version, after a record changed."""
    from docx import Document
    from openpyxl import load_workbook

    from tests.reporting.test_render_docx import table_after, table_rows

    period = next(p for p in _periods("ATHENA2") if p.snapshots.exists())
    snapshot = period.snapshots.order_by("-number").first()
    JointActivity.objects.create(
        project=period.project,
        type=ActivityType.JOINT_PATROL,
        title="Patrol after submission",
        lead_country=Country.objects.get(code="RO"),
        start_date=period.start + timedelta(days=3),
        end_date=period.start + timedelta(days=4),
        status="completed",
        validation_state="validated",
    )
    frozen = snapshot.content[content.FUNDER]
    today = content.period_content(period, audience=content.FUNDER)
    expected = {r["label"]: [r["at_start"], r["in_period"], r["cumulative"]] for r in frozen["indicators"]}
    assert expected != {r["label"]: [r["at_start"], r["in_period"], r["cumulative"]] for r in today["indicators"]}

    data = reports.report_content(period, audience=content.FUNDER, version=snapshot.number)
    book = load_workbook(io.BytesIO(render(data, "xlsx")))
    xlsx = {}
    for row in book["Indicators"].iter_rows(values_only=True):  # the indicator table first, then charts' data
        if row[0] in expected:
            xlsx.setdefault(row[0], list(row[2:5]))
    document = Document(io.BytesIO(render(data, "docx")))
    docx = {r[0]: [int(v) for v in r[2:5]] for r in table_rows(table_after(document, "Indicators"))[1:]}
    rows = csv.reader(io.StringIO(render(data, "csv").decode("utf-8-sig")))
    csv_numbers = {r[2]: [int(v) for v in r[4:7]] for r in rows if r[0] == "indicator"}
    assert xlsx == expected and docx == expected and csv_numbers == expected
    assert "Submitted version" in _text_of("pdf", render(data, "pdf"))
