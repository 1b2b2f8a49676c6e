"""One rule for sensitive joint activities, in every output.

A viewer or a staff member never sees a sensitive activity's title, reference, place, officers, dates, status or id
(in links too), on any page, list, search, export, report (HTML, PDF, XLSX, CSV, made by the real job) or e-mail;
and every filtered number, breakdown, monthly series and list they see is the one a manager would see if the
sensitive activities did not exist. Only the unfiltered cumulative totals of the indicators count them for
everyone. Managers and admins see them everywhere.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from operations.models import ActivityAttachment, JointActivity
from projects.models import BackgroundJob, Membership
from projects.services import job_start, membership_set
from reporting import cache
from reporting import services as reporting_services
from reporting.models import ReportingPeriod
from reporting.reports import previous_month
from tests.conftest import enrol_second_factor
from tests.utils import get_ok

ATHENA = "/projects/ATHENA2"
DASHBOARD = f"{ATHENA}/dashboard/"
LIST = f"{ATHENA}/activities/"
NON_MANAGERS = ["viewer", "staff"]
MANAGERS = ["manager", "admin_user"]

# What must never reach a viewer or staff: titles, references, the place and the officer of the sensitive activities.
MARKERS = ("Kestrelmoon", "SENS-4242", "SENS-4243", "SENS-4244", "Vulturesti", "Zamfirescu")


@pytest.fixture
def scene(make_activity, country, athena, settings, tmp_path):
    """An ordinary world and, on top of it, three sensitive activities of ATHENA 2 with markers no other record has:

    - `counted`: a BG-led joint operation, validated and completed 25 days ago at Vulturesti, officer Zamfirescu (MD):
      it counts toward the targets, and its evaluation is due in 5 days;
    - `upcoming`: a joint patrol planned to start in 6 days;
    - `overdue`: an ongoing joint investigation that should have ended 3 days ago;

    and a bilateral meeting (not sensitive) that serves the counted one, with an attachment on the counted one.
    """
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    ordinary = {
        "patrol": make_activity(
            title="Ordinary patrol Heron",
            validation_state="validated",
            start=today - timedelta(days=24),
            end=today - timedelta(days=22),
            officers=[("Officer Ionescu", "RO", "field_officer")],
        ),
        "planned": make_activity(title="Ordinary patrol Egret", status="planned", start=today + timedelta(days=4)),
    }
    counted = make_activity(
        type="joint_operation",
        title="Operation Kestrelmoon",
        reference="SENS-4242",
        validation_state="validated",
        start=today - timedelta(days=27),
        end=today - timedelta(days=25),
        places=(("Vulturesti", "RO"), ("Ruse", "BG")),
        officers=[("Officer Zamfirescu", "MD", "analyst")],
        is_sensitive=True,
    )
    JointActivity.objects.filter(pk=counted.pk).update(lead_country=country("BG"))
    upcoming = make_activity(
        title="Kestrelmoon planning patrol",
        reference="SENS-4243",
        status="planned",
        start=today + timedelta(days=6),
        is_sensitive=True,
    )
    overdue = make_activity(
        type="joint_investigation",
        title="Kestrelmoon investigation",
        reference="SENS-4244",
        status="ongoing",
        start=today - timedelta(days=9),
        end=today - timedelta(days=3),
        is_sensitive=True,
    )
    meeting = make_activity(
        type="bilateral_meeting",
        title="Meeting on the Danube",
        reference="MEET-1",
        related_activity=counted,
        meeting_purpose="evaluate",
    )
    attachment = ActivityAttachment.objects.create(activity=counted, kind="minutes", file="operations/x/minutes.pdf")
    period = ReportingPeriod.objects.create(
        project=athena, start=today - timedelta(days=60), end=today, due_date=today + timedelta(days=45)
    )
    cache.bump()
    return {
        "today": today,
        "ordinary": ordinary,
        "sensitive": [counted, upcoming, overdue],
        "counted": counted,
        "meeting": meeting,
        "attachment": attachment,
        "period": period,
    }


def assert_hidden(text: str, scene: dict, where: str = "") -> None:
    for marker in MARKERS:
        assert marker not in text, f"{marker!r} shown {where}"
    for activity in scene["sensitive"]:
        assert f"/activities/{activity.pk}/" not in text, f"a link to a sensitive activity {where}"


def assert_shown(text: str, where: str = "") -> None:
    assert "Kestrelmoon" in text, f"nothing of the sensitive activities {where}"


def _user(request, who: str):
    return request.getfixturevalue(who)


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _xlsx_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        " ".join(str(value) for value in row if value is not None)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def _file_text(fmt: str, content: bytes) -> str:
    if fmt == "pdf":
        return _pdf_text(content)
    if fmt == "xlsx":
        return _xlsx_text(content)
    return content.decode("utf-8-sig")


# --- pages, lists, searches and exports -----------------------------------------------------------------------------


def _pages(scene: dict) -> list[str]:
    since, until = scene["today"] - timedelta(days=40), scene["today"]
    period = f"since={since:%Y-%m-%d}&until={until:%Y-%m-%d}"
    return [
        "/",
        f"{ATHENA}/",
        f"{ATHENA}/timeline/",
        DASHBOARD,
        f"{DASHBOARD}?country=BG",
        f"{DASHBOARD}?{period}",
        f"{DASHBOARD}due/?which=overdue",
        f"{DASHBOARD}due/?which=upcoming",
        f"{DASHBOARD}due/?which=upcoming&{period}",
        f"{ATHENA}/reports/",
        f"{ATHENA}/reports/{scene['period'].pk}/",
        LIST,
        f"{LIST}?country=BG",
        f"{LIST}{scene['meeting'].pk}/",
    ]


@pytest.mark.parametrize("who", NON_MANAGERS)
def test_no_page_list_or_search_names_a_sensitive_activity_to_viewers_and_staff(request, client_for, scene, who):
    client = client_for(_user(request, who))
    for url in _pages(scene):
        assert_hidden(get_ok(client, url).content.decode(), scene, f"on {url}")
    for text in ("Kestrelmoon", "SENS-4242", "Vulturesti", "Zamfirescu"):
        response = get_ok(client, f"{LIST}?q={text}")
        assert list(response.context["page"]) == [], text
        assert_hidden(response.content.decode().replace(text, ""), scene, f"searching {text}")  # but the box's text


@pytest.mark.parametrize("who", MANAGERS)
def test_managers_and_admins_see_sensitive_activities_on_the_same_pages(request, client_for, scene, who):
    client = client_for(_user(request, who))
    for url in (DASHBOARD, f"{DASHBOARD}due/?which=overdue", f"{DASHBOARD}due/?which=upcoming", LIST, "/"):
        assert_shown(get_ok(client, url).content.decode(), f"on {url}")
    assert [a.reference for a in get_ok(client, f"{LIST}?q=Vulturesti").context["page"]] == ["SENS-4242"]
    overdue = get_ok(client, f"{DASHBOARD}due/?which=overdue").content.decode()
    assert f"/activities/{scene['sensitive'][2].pk}/" in overdue


@pytest.mark.parametrize("who", NON_MANAGERS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_export_names_a_sensitive_activity_to_viewers_and_staff(request, client_for, scene, who, fmt):
    client = client_for(_user(request, who))
    since = scene["today"] - timedelta(days=40)
    for url in (
        f"{LIST}export.{fmt}",
        f"{LIST}export.{fmt}?q=Kestrelmoon",
        f"{DASHBOARD}export.{fmt}?country=BG",
        f"{DASHBOARD}export.{fmt}?since={since:%Y-%m-%d}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert_hidden(_file_text(fmt, content), scene, f"in {url}")


def test_a_managers_activity_export_has_them(client_for, manager, scene):
    response = client_for(manager).get(f"{LIST}export.csv?q=Kestrelmoon")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert sorted(row[0] for row in rows[1:]) == ["SENS-4242", "SENS-4243", "SENS-4244"]


@pytest.mark.parametrize("who", NON_MANAGERS)
def test_a_sensitive_activitys_page_attachment_and_search_box_are_closed_to_viewers_and_staff(
    request, client_for, scene, who
):
    client = client_for(_user(request, who))
    counted, attachment = scene["counted"], scene["attachment"]
    assert client.get(f"{LIST}{counted.pk}/").status_code == 404
    assert client.get(f"{LIST}{counted.pk}/attachments/{attachment.pk}/").status_code == 404
    # the pickers of the forms (the "related joint activity" box, any picker of activities or officers)
    sensitive_ids = {activity.pk for activity in scene["sensitive"]}
    for key in ("related-activities", "activities", "officers"):
        for text in ("Kestrelmoon", "SENS-4242", "Zamfirescu", str(counted.pk)):
            data = get_ok(client, f"/projects/ATHENA2/pick/{key}/?q={text}").json()
            assert_hidden(str(data), scene, f"in the suggestions of {key} for {text!r}")
            assert key == "officers" or not sensitive_ids & {row["id"] for row in data["results"]}


# --- a record linked to a sensitive activity ------------------------------------------------------------------------


def _edit_post(page, meeting: JointActivity, **changes) -> dict:
    """The edit form as a browser would post it back: every field as rendered (the withheld box is disabled and not
    sent), with `changes`."""
    form = page.context["form"]
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = value.isoformat() if isinstance(value, date) else str(value)
    for formset in ("places", "countries", "officers"):  # the rows it has, not the empty extra ones
        fs = page.context[formset]
        data[f"{formset}-TOTAL_FORMS"] = data[f"{formset}-INITIAL_FORMS"] = str(fs.initial_form_count())
        for sub in fs.forms[: fs.initial_form_count()]:
            for name in sub.fields:
                value = sub[name].value()
                if value not in (None, False):
                    data[sub.add_prefix(name)] = str(value)
    data.update(changes)
    return data


def _errors(response) -> list:
    context = response.context
    return [context["form"].errors, *(context[name].errors for name in ("places", "countries", "officers"))]


def test_staff_editing_a_meeting_never_see_the_sensitive_activity_it_serves_and_saving_keeps_the_link(
    client_for, staff, scene
):
    meeting, counted = scene["meeting"], scene["counted"]
    client = client_for(staff)
    page = get_ok(client, f"{LIST}{meeting.pk}/edit/")
    html = page.content.decode()
    assert_hidden(html, scene, "on the meeting's edit page")
    assert f'value="#{counted.pk}"' not in html
    assert "An activity only managers see" in html
    response = client.post(f"{LIST}{meeting.pk}/edit/", _edit_post(page, meeting, title="Meeting on the Danube, v2"))
    assert response.status_code == 302, _errors(response)
    meeting.refresh_from_db()
    assert meeting.title == "Meeting on the Danube, v2"
    assert meeting.related_activity_id == counted.pk  # the link is intact
    assert meeting.meeting_purpose == "evaluate"


def test_staff_cannot_move_or_clear_the_withheld_link_by_posting_it(client_for, staff, scene):
    meeting, counted = scene["meeting"], scene["counted"]
    client = client_for(staff)
    page = get_ok(client, f"{LIST}{meeting.pk}/edit/")
    other = scene["ordinary"]["patrol"]
    for posted in ("", other.reference):
        response = client.post(f"{LIST}{meeting.pk}/edit/", _edit_post(page, meeting, related_activity=posted))
        assert response.status_code == 302
        meeting.refresh_from_db()
        assert meeting.related_activity_id == counted.pk
        page = get_ok(client, f"{LIST}{meeting.pk}/edit/")


@pytest.mark.parametrize("who", NON_MANAGERS)
def test_the_meetings_page_says_it_serves_a_withheld_activity(request, client_for, scene, who):
    html = get_ok(client_for(_user(request, who)), f"{LIST}{scene['meeting'].pk}/").content.decode()
    assert_hidden(html, scene, "on the meeting's page")
    assert "an activity only managers see" in html


def test_a_manager_editing_the_meeting_sees_the_reference(client_for, manager, scene):
    html = get_ok(client_for(manager), f"{LIST}{scene['meeting'].pk}/edit/").content.decode()
    chosen = re.search(r'<select name="related_activity".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value="\d+" selected>SENS-4242 – ', chosen)


# --- numbers: filtered ones leave sensitive activities out, unfiltered totals count them ----------------------------


def _dashboard(client, query: str = "") -> dict:
    cache.bump()
    return get_ok(client, f"{DASHBOARD}{query}").context["data"]


def _comparable(data: dict) -> dict:
    return {
        "rows": [(r.key, r.at_start, r.in_period, r.cumulative) for r in data["rows"]],
        "series": {key: s["achieved"] for key, s in data["series"].items()},
        "breakdowns": [(b["metric"], b["dimension"], b["values"]) for b in data["breakdowns"]],
        "overdue": [(i.kind, i.title, i.date, i.url) for i in data["overdue"]],
        "overdue_count": data["overdue_count"],
        "upcoming": [(i.kind, i.title, i.date, i.url) for i in data["upcoming"]],
        "upcoming_count": data["upcoming_count"],
    }


@pytest.mark.parametrize("who", NON_MANAGERS)
def test_what_a_viewer_sees_is_the_managers_world_without_the_sensitive_activities(
    request, client_for, manager, scene, who
):
    """Every filtered number, breakdown, series and list of a viewer equals the manager's once the sensitive
    activities are gone; the unfiltered cumulative totals count them for everyone."""
    since = scene["today"] - timedelta(days=40)
    filters = ["?country=BG", "?country=RO", f"?since={since:%Y-%m-%d}", f"?since={since:%Y-%m-%d}&country=BG"]
    client = client_for(_user(request, who))
    seen = {query: _comparable(_dashboard(client, query)) for query in ["", *filters]}
    seen_totals = {r.key: r.cumulative for r in _dashboard(client)["rows"]}
    manager_totals = {r.key: r.cumulative for r in _dashboard(client_for(manager))["rows"]}
    assert seen_totals == manager_totals  # unfiltered: the same totals for everyone, sensitive ones counted

    JointActivity.objects.filter(is_sensitive=True).delete()
    manager_client = client_for(manager)
    without = {query: _comparable(_dashboard(manager_client, query)) for query in ["", *filters]}
    for query in filters:
        assert seen[query] == without[query], query
    unfiltered, unfiltered_without = seen[""], without[""]
    for key in ("series", "breakdowns", "overdue", "overdue_count", "upcoming", "upcoming_count"):
        assert unfiltered[key] == unfiltered_without[key], key
    totals_without = {r.key: r.cumulative for r in _dashboard(manager_client)["rows"]}
    assert seen_totals["joint_operations"] == totals_without["joint_operations"] + 1
    assert seen_totals["officers_involved"] == totals_without["officers_involved"] + 1  # Zamfirescu


def test_the_manager_sees_the_sensitive_activity_in_filtered_numbers(client_for, manager, scene):
    client = client_for(manager)
    rows = {r.key: r.cumulative for r in _dashboard(client, "?country=BG")["rows"]}
    assert rows["joint_operations"] == 1
    split = {(b["metric"], b["dimension"]): dict(b["values"]) for b in _dashboard(client)["breakdowns"]}
    assert split[("joint_operations", "country")] == {"Bulgaria": 1}
    assert split[("officers_involved", "role")]["Analyst"] == 1


def test_a_viewers_dashboard_and_a_managers_are_cached_apart(client_for, manager, viewer, scene):
    cache.bump()
    assert "Kestrelmoon" in get_ok(client_for(manager), DASHBOARD).content.decode()
    assert "Kestrelmoon" not in get_ok(client_for(viewer), DASHBOARD).content.decode()
    assert "Kestrelmoon" in get_ok(client_for(manager), DASHBOARD).content.decode()


# --- progress reports, through the real job -------------------------------------------------------------------------


def _run_report(user, period, fmt, django_capture_on_commit_callbacks) -> BackgroundJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(
            user=user,
            project=period.project,
            kind=reporting_services.REPORT_JOB,
            title="Progress report",
            params={"period_id": period.pk, "format": fmt},
        )
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.SUCCEEDED, job.message
    return job


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv"])
def test_a_report_made_by_a_viewer_or_staff_names_no_sensitive_activity_and_a_managers_does(
    client_for, viewer, staff, manager, scene, fmt, celery_eager, django_capture_on_commit_callbacks
):
    period = scene["period"]
    for user in (viewer, staff):
        job = _run_report(user, period, fmt, django_capture_on_commit_callbacks)
        assert job.audience == BackgroundJob.Audience.EVERYONE
        with job.result.open("rb") as handle:
            assert_hidden(_file_text(fmt, handle.read()), scene, f"in the {fmt} report of {user}")
    job = _run_report(manager, period, fmt, django_capture_on_commit_callbacks)
    assert job.audience == BackgroundJob.Audience.MANAGERS
    with job.result.open("rb") as handle:
        assert_shown(_file_text(fmt, handle.read()), f"in the manager's {fmt} report")
    # the manager's file is for the managers only
    assert client_for(viewer).get(f"{ATHENA}/jobs/{job.pk}/download/").status_code == 404


# --- e-mails --------------------------------------------------------------------------------------------------------


def test_reminders_to_staff_never_name_a_sensitive_activity(scene, staff, manager):
    kinds = ["activity_starting", "activity_not_completed", "activity_evaluation_missing"]
    for delivery_id in reporting_services.reminders_dispatch(kinds=kinds):
        reporting_services.delivery_send(delivery_id=delivery_id)
    to_staff = [m for m in mail.outbox if m.to == [staff.email]]
    assert to_staff, "staff are reminded of the ordinary activities"
    for message in to_staff:
        assert_hidden(f"{message.subject}\n{message.body}", scene, "in an e-mail to staff")
    to_manager = [m for m in mail.outbox if m.to == [manager.email]]
    sensitive = [m for m in to_manager if "a sensitive joint activity" in m.subject]
    assert sensitive, "managers are reminded of the sensitive ones"
    for message in to_manager:  # told one is due and given the link to it, but no title, reference or place
        for marker in MARKERS:
            assert marker not in f"{message.subject}\n{message.body}"


def test_the_monthly_report_names_sensitive_activities_only_to_whom_still_manages_at_sending(
    athena, scene, manager, staff
):
    counted = scene["counted"]
    first_of_next = (counted.end_date.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert previous_month(first_of_next) == counted.end_date.replace(day=1)
    ids = reporting_services.monthly_reports_dispatch(today=first_of_next)
    assert ids
    reporting_services.delivery_send(delivery_id=ids[0])
    [to_manager] = [m for m in mail.outbox if m.to == [manager.email]]
    assert_shown(_pdf_text(to_manager.attachments[0][1]), "in the manager's monthly report")

    # A manager demoted to staff before the e-mail leaves gets a report without them.
    mail.outbox.clear()
    from reporting.models import ReminderDelivery

    ReminderDelivery.objects.filter(pk=ids[0]).update(status=ReminderDelivery.Status.PENDING)
    membership_set(user=manager, project=athena, role=Membership.Role.STAFF)
    reporting_services.delivery_send(delivery_id=ids[0])
    [message] = mail.outbox
    assert_hidden(f"{message.subject}\n{message.body}\n{_pdf_text(message.attachments[0][1])}", scene, "monthly")


# --- the rule in the core: which projects' sensitive records a number or list includes ------------------------------


def test_a_user_who_manages_one_project_and_views_another_sees_the_sensitive_items_of_the_first_only(
    client_for, django_user_model, make_activity, athena, imobex
):
    today = timezone.localdate()
    late = {"status": "ongoing", "start": today - timedelta(days=9), "end": today - timedelta(days=2)}
    make_activity(title="Kestrelmoon late at home", reference="SENS-4244", is_sensitive=True, **late)
    make_activity(project=imobex, title="Plover late abroad", reference="SENS-IMO", is_sensitive=True, **late)
    both = django_user_model.objects.create_user(username="both", password="x" * 16, email="both@example.org")
    membership_set(user=both, project=athena, role="viewer")
    membership_set(user=both, project=imobex, role=Membership.Role.MANAGER)
    enrol_second_factor(both)
    cache.bump()
    response = get_ok(client_for(both), "/")
    assert "Kestrelmoon" not in response.content.decode()
    counts = {row["project"].pk: row["overdue_count"] for row in response.context["rows"]}
    from projects.registry import registry
    from reporting.status import due_query

    def overdue(project, include_sensitive) -> int:
        query = due_query("overdue", today=today, include_sensitive=include_sensitive, limit=0)
        return registry.timeline.page([project.pk], query).total

    assert counts[athena.pk] == overdue(athena, False) == overdue(athena, True) - 1
    assert counts[imobex.pk] == overdue(imobex, True) == overdue(imobex, False) + 1


def test_metrics_people_and_timeline_take_the_projects_whose_sensitive_records_count(make_activity, athena, imobex):
    from projects.registry import TimelineQuery, registry

    today = timezone.localdate()
    done = {"validation_state": "validated", "type": "joint_operation", "is_sensitive": True}
    make_activity(officers=[("Officer Zamfirescu", "MD", "analyst")], **done)
    make_activity(project=imobex, officers=[("Officer Plover", "RO", "analyst")], **done)
    ids = [athena.pk, imobex.pk]
    operations, people = registry.metric("joint_operations"), registry.metric("officers_involved")
    assert operations.values(ids) == {athena.pk: 1, imobex.pk: 1}  # a total: every record
    assert operations.values(ids, include_sensitive=False) == {}
    assert operations.values(ids, include_sensitive={imobex.pk}) == {imobex.pk: 1}
    assert people.values(ids, include_sensitive={athena.pk}) == {athena.pk: 1}
    assert people.monthly_values(ids, include_sensitive=False) == {}
    assert registry.breakdown("officers_involved", "country").compute(ids, None, include_sensitive=False) == {}
    assert registry.breakdown("joint_operations", "country").compute(ids, None, include_sensitive={athena.pk}) == {
        athena.pk: {"RO": 1}
    }
    ended = TimelineQuery(today=today, since=today - timedelta(days=30), include_sensitive={imobex.pk})
    items = registry.timeline.page(ids, ended).items
    assert {item.project_id for item in items if item.kind.startswith("activity")} == {imobex.pk}
