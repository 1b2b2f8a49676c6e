"""Rules found missing by the QA walkthrough: each test states the rule as the users expect it."""

from __future__ import annotations

import csv
import io
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from conferences import services
from conferences.imports import check_rows, read_rows
from conferences.jobs import PARTICIPANTS_IMPORT
from conferences.models import Event, Session
from projects.models import BackgroundJob
from projects.services import job_execute

from .conftest import TODAY, make_event, make_person, register


def _csv(text: str, name: str = "participants.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


# --- 1. the status message -------------------------------------------------------------------------------------------


def test_the_message_after_a_change_of_status_names_the_new_status(client_for, staff, athena):
    event = make_event(athena, start_date=TODAY - timedelta(days=1), status=Event.Status.OPEN)
    response = client_for(staff).post(f"/projects/ATHENA2/events/{event.pk}/status/", {"status": "held"}, follow=True)
    page = response.content.decode()
    assert "The event is now Held." in page
    assert "The event is now Open" not in page and "now Planned" not in page


# --- 2. bounds on capacity and edition -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"capacity": 10_001}, "capacity", "An event can have at most 10,000 places."),
        ({"capacity": 9223372036854775807}, "capacity", "An event can have at most 10,000 places."),
        ({"capacity": 0}, "capacity", "Give at least one place, or leave the capacity empty for no limit."),
        ({"kind": "conference", "edition": 101}, "edition", "An edition is a number from 1 to 100."),
    ],
)
def test_capacity_and_edition_are_refused_beyond_sensible_bounds_with_a_plain_message(athena, fields, field, message):
    with pytest.raises(ValidationError) as exc:
        make_event(athena, **fields)
    assert exc.value.message_dict[field] == [message]


def test_the_event_form_explains_an_absurd_capacity_without_a_huge_number(client_for, staff, athena):
    start = TODAY + timedelta(days=40)
    data = {
        "kind": "workshop",
        "title": "Huge workshop",
        "start_date": start.isoformat(),
        "end_date": start.isoformat(),
        "online": "on",
        "capacity": "9223372036854775807",
    }
    response = client_for(staff).post("/projects/ATHENA2/events/new/", data)
    assert response.context["form"].errors["capacity"] == ["An event can have at most 10,000 places."]
    assert "9223372036854775807" not in "".join(response.context["form"].errors["capacity"])
    event = make_event(athena, capacity=10_000)  # the bound itself is allowed
    assert event.capacity == 10_000


# --- 3. the import job's result file ---------------------------------------------------------------------------------


def test_the_imported_participants_file_neutralises_spreadsheet_formulas(client_for, staff, workshop):
    client = client_for(staff)
    url = f"/projects/ATHENA2/events/{workshop.pk}/registrations/import/"
    text = 'name,country,organisation\n"=HYPERLINK(""http://evil.example"",""x"")",RO,IGPR\n@SUM(A1),RO,\n'
    page = client.post(url, {"file": _csv(text)}).content.decode()
    assert "2 rows will be imported" in page
    client.post(url + "confirm/")
    job = BackgroundJob.objects.get(kind=PARTICIPANTS_IMPORT)
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    rows = list(csv.reader(io.StringIO(job.result.read().decode("utf-8-sig"))))
    names = sorted(row[0] for row in rows[1:])
    assert names == ['\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1)"]
    assert not any(cell.startswith(("=", "@", "+", "-")) for row in rows for cell in row)


# --- 4. every problem of a row at once -------------------------------------------------------------------------------


def test_the_import_reports_every_problem_of_a_row_at_once(workshop):
    text = "name,country,organisation,email,gender,role\n,XX,Unknown Agency,not-an-email,q,chairman\n"
    report = check_rows(event=workshop, rows=read_rows(_csv(text)), today=TODAY)
    (row,) = report.rejected
    for problem in (
        "The name is missing.",
        "Unknown country “XX”",
        "Unknown organisation “Unknown Agency”",
        "“not-an-email” is not an e-mail address.",
        "Unknown gender “q”",
        "Unknown role “chairman”",
    ):
        assert problem in row.reason


def test_a_row_with_a_bad_e_mail_also_says_the_event_is_full(workshop):
    for n in range(10):
        register(workshop, make_person(f"Delegate {n}"))
    text = "name,country,email\nEva Late,RO,not-an-email\n"
    (row,) = check_rows(event=workshop, rows=read_rows(_csv(text)), today=TODAY).rejected
    assert "is not an e-mail address." in row.reason and "all 10 places" in row.reason


# --- 5. one room, one session at a time ------------------------------------------------------------------------------


def _session(event, starts, ends, room="Plenary", title="Talk") -> Session:
    return Session(event=event, day=event.start_date, starts_at=starts, ends_at=ends, title=title, room=room)


def test_two_sessions_cannot_overlap_in_the_same_room_on_the_same_day(staff, workshop):
    services.session_save(user=staff, session=_session(workshop, time(9), time(10, 30), title="Opening"))
    with pytest.raises(ValidationError) as exc:
        services.session_save(user=staff, session=_session(workshop, time(10), time(11), room=" plenary "))
    assert exc.value.message_dict["room"] == [
        "Plenary is already used from 09:00 to 10:30 that day, by “Opening”. Choose another room or time."
    ]
    # back to back, another room, no room, or another day: all allowed
    services.session_save(user=staff, session=_session(workshop, time(10, 30), time(11)))
    services.session_save(user=staff, session=_session(workshop, time(10), time(11), room="Room B"))
    services.session_save(user=staff, session=_session(workshop, time(10), time(11), room=""))
    other_day = _session(workshop, time(10), time(11))
    other_day.day = workshop.end_date
    services.session_save(user=staff, session=other_day)
    # a session does not clash with itself when it is edited
    opening = Session.objects.get(title="Opening")
    opening.ends_at = time(10, 15)
    services.session_save(user=staff, session=opening)


def test_the_agenda_form_shows_the_room_clash_on_the_room_field(client_for, staff, workshop):
    client = client_for(staff)
    url = f"/projects/ATHENA2/events/{workshop.pk}/sessions/new/"
    day = workshop.start_date.isoformat()
    data = {"day": day, "starts_at": "09:00", "ends_at": "10:00", "title": "Opening", "room": "Plenary"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "starts_at": "09:30", "ends_at": "10:30", "title": "Panel"})
    assert "Plenary is already used from 09:00 to 10:00" in response.context["form"].errors["room"][0]


# --- 6. dates in messages --------------------------------------------------------------------------------------------


def test_messages_write_dates_as_the_pages_do(staff, athena):
    event = make_event(athena, start_date=date(2026, 12, 10), days=2, status=Event.Status.OPEN)
    with pytest.raises(ValidationError, match="starts on 10 Dec 2026:"):
        services.event_transition(user=staff, event=event, status="held", today=date(2026, 12, 1))
    session = Session(event=event, day=date(2026, 12, 20), starts_at=time(9), ends_at=time(10), title="Late")
    with pytest.raises(ValidationError, match=r"\(10 Dec 2026 to 11 Dec 2026\)"):
        session.full_clean()
    registration = register(event, make_person("Ana Popescu"))
    with pytest.raises(ValidationError, match="from the day itself \\(10 Dec 2026\\)"):
        services.attendance_record(user=staff, registration=registration, day=event.start_date, today=date(2026, 12, 1))
    with pytest.raises(ValidationError, match="^.*20 Dec 2026 is not a day of this event"):
        services.attendance_record(user=staff, registration=registration, day=date(2026, 12, 20))


def test_the_registration_deadline_is_written_as_the_pages_do(athena):
    event = make_event(athena, start_date=date(2026, 12, 10), registration_deadline=date(2026, 12, 1))
    problems = event.registration_problems(role="delegate", places_taken=0, today=date(2026, 12, 2))
    assert "Registration closed on 1 Dec 2026." in problems["role"]


# --- 7. the survey is for attendees ----------------------------------------------------------------------------------


def test_a_no_show_opening_the_survey_link_sees_a_clear_page_and_no_form(client, athena):
    start = TODAY - timedelta(days=3)
    event = make_event(athena, start_date=start, status=Event.Status.HELD)
    mira = register(event, make_person("Mira Novak"))
    mira.attendance.create(day=start, present=False)  # marked a no-show
    url = f"/feedback/{mira.feedback_token}/"
    page = client.get(url).content.decode()
    assert 'data-testid="feedback-closed"' in page and "Only people who attended the event" in page
    assert "<form" not in page
    answers = {"overall": "5", "content": "5", "organisation": "5", "usefulness": "5"}
    page = client.post(url, answers).content.decode()
    assert 'data-testid="feedback-thanks"' not in page
    assert not event.registrations.filter(feedback__isnull=False).exists()


def test_the_survey_of_an_event_not_held_yet_is_not_open(client, workshop):
    ana = register(workshop, make_person("Ana Popescu"))
    page = client.get(f"/feedback/{ana.feedback_token}/").content.decode()
    assert "The survey opens once the event has been held." in page and "<form" not in page


# --- 8. uploads are checked by their content -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("participants.xlsx", b"MZ\x90\x00\x03\x00\x00\x00 a program renamed .xlsx"),
        ("participants.csv", b"MZ\x90\x00\x03\x00\x00\x00 a program renamed .csv"),
    ],
)
def test_a_participant_list_whose_content_is_not_its_format_is_refused_before_reading(
    client_for, staff, workshop, name, content
):
    url = f"/projects/ATHENA2/events/{workshop.pk}/registrations/import/"
    response = client_for(staff).post(url, {"file": SimpleUploadedFile(name, content)})
    (error,) = response.context["form"].errors["file"]
    assert "content is not that of a" in error
    assert response.context["report"] is None
