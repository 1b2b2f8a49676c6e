"""Participants' contact details: each project keeps its own, and the participants export holds exactly what the
participants page shows to the same user (a viewer sees no e-mail and no gender on either)."""

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from conferences import services
from conferences.models import Event, Registration
from operations.services import spoc_add
from projects.models import AuditEvent, Country, Membership, Organisation, PersonContact
from projects.services import membership_set

from .conftest import TODAY, make_event, make_person, register


@pytest.fixture
def dtp_staff(django_user_model, selec):
    user = django_user_model.objects.create_user(username="dtp-staff", password="x" * 16)
    membership_set(user=user, project=selec["DTP-TOC"], role=Membership.Role.STAFF)
    return user


@pytest.fixture
def held(athena):
    """A held ATHENA 2 workshop: Ana (e-mail, gender given) attended, Ivan (neither) did not."""
    start = TODAY - timedelta(days=10)
    event = make_event(athena, title="Held workshop", start_date=start, status=Event.Status.HELD)
    register(event, make_person("Ana Popescu", gender="female"), email="ana@athena.example.org", attended_days=[start])
    register(event, make_person("Ivan Petrov", "BG", "MoI BG"))
    return event


def _url(event, suffix=""):
    return f"/projects/{event.project.code}/events/{event.pk}/registrations/{suffix}"


def _page_table(client, event) -> tuple[list[str], list[list[str]]]:
    """The headers (without the empty actions column) and the cells of the participants table."""
    html = client.get(_url(event)).content.decode()
    table = html[html.index("<table") : html.index("</table>")]
    headers = re.findall(r'<th scope="col">([^<]*)</th>', table)
    rows = []
    for row in re.findall(r"<tr data-registration=[^>]*>(.*?)</tr>", table, flags=re.S):
        rows.append([re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)])
    return [h for h in headers if h], rows


def _csv(client, event) -> list[list[str]]:
    response = client.get(_url(event, "export.csv"))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _xlsx(client, event) -> list[tuple]:
    response = client.get(_url(event, "export.xlsx"))
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))


@pytest.mark.parametrize("who", ["viewer", "staff", "manager", "admin_user"])
def test_the_export_has_the_columns_and_rows_the_page_shows_to_each_role(request, client_for, held, who):
    client = client_for(request.getfixturevalue(who))
    headers, cells = _page_table(client, held)
    exported = _csv(client, held)
    assert exported[0] == headers
    assert [list(row) for row in _xlsx(client, held)][0] == headers
    assert [row[0] for row in exported[1:]] == [row[0] for row in cells] == ["Ana Popescu", "Ivan Petrov"]
    text = "\n".join(",".join(row) for row in exported)
    if who == "viewer":
        assert "E-mail" not in headers and "Gender" not in headers
        assert "ana@athena.example.org" not in text and "Female" not in text
        assert "ana@athena.example.org" not in client.get(_url(held)).content.decode()
    else:
        assert headers[4:6] == ["E-mail", "Gender"]
        assert exported[1][4:6] == ["ana@athena.example.org", "Female"] and exported[2][4:6] == ["", ""]
        assert cells[0][4:6] == ["ana@athena.example.org", "Female"]


def test_a_person_registered_by_two_projects_has_each_projects_email(client_for, selec, staff, dtp_staff):
    """Registering the same person with another e-mail in one project changes nothing the other project shows."""
    romania, igpr = Country.objects.get(code="RO"), Organisation.objects.get(acronym="IGPR")
    workshop, conference = make_event(selec["ATHENA2"]), make_event(selec["DTP-TOC"])
    common = {"name": "Ana Popescu", "country": romania, "organisation": igpr}
    dtp_registration = services.registration_create(
        user=dtp_staff, event=conference, email="ana@dtp.example.org", **common
    )
    athena_registration = services.registration_create(
        user=staff, event=workshop, email="ana@athena.example.org", **common
    )
    assert dtp_registration.person_id == athena_registration.person_id
    assert _csv(client_for(dtp_staff), conference)[1][4] == "ana@dtp.example.org"
    assert _csv(client_for(staff), workshop)[1][4] == "ana@athena.example.org"
    later = make_event(selec["ATHENA2"], title="Later workshop")
    services.registration_create(user=staff, event=later, email="corrected@athena.example.org", **common)
    assert _csv(client_for(dtp_staff), conference)[1][4] == "ana@dtp.example.org"
    assert _csv(client_for(staff), workshop)[1][4] == "corrected@athena.example.org"
    change = AuditEvent.objects.filter(object_type="projects.PersonContact", project_code="ATHENA2").latest("pk")
    assert change.details["contacts"][0]["email"] == ["ana@athena.example.org", "corrected@athena.example.org"]


def test_the_import_keeps_the_emails_for_the_importing_project_only(selec, staff, dtp_staff):
    romania, igpr = Country.objects.get(code="RO"), Organisation.objects.get(acronym="IGPR")
    conference = make_event(selec["DTP-TOC"])
    services.registration_create(
        user=dtp_staff, event=conference, name="Ana Popescu", country=romania, organisation=igpr, email="a@dtp.eu"
    )
    workshop = make_event(selec["ATHENA2"])
    rows = [
        {"name": "ana popescu", "country": "RO", "organisation": "IGPR", "email": "a@athena.eu"},
        {"name": "Ivan Petrov", "country": "BG", "organisation": "", "email": "ivan@athena.eu"},
    ]
    services.participants_import(user=staff, event=workshop, rows=rows)
    contacts = sorted(PersonContact.objects.values_list("person__name", "project__code", "email"))
    assert contacts == [
        ("Ana Popescu", "ATHENA2", "a@athena.eu"),
        ("Ana Popescu", "DTP-TOC", "a@dtp.eu"),
        ("Ivan Petrov", "ATHENA2", "ivan@athena.eu"),
    ]
    [entry] = AuditEvent.objects.filter(object_type="projects.PersonContact", project_code="ATHENA2")
    assert len(entry.details["contacts"]) == 2


def test_a_survey_reminder_goes_only_to_the_email_of_the_events_project(held, selec, staff, dtp_staff, mailoutbox):
    """Ivan has an e-mail in DTP-TOC only: ATHENA 2's reminder does not reach him through it."""
    ivan = Registration.objects.get(event=held, person__name="Ivan Petrov")
    PersonContact.objects.create(person=ivan.person, project=selec["DTP-TOC"], email="ivan@dtp.example.org")
    from conferences.models import Attendance

    Attendance.objects.create(registration=ivan, day=held.start_date, present=True)
    assert services.feedback_remind(user=staff, event=held) == 1
    ana = Registration.objects.get(event=held, person__name="Ana Popescu")
    ana.refresh_from_db()
    assert services.feedback_reminder_send(registration_id=ana.pk, requested_at=ana.feedback_reminded_at.isoformat())
    assert [m.to for m in mailoutbox] == [["ana@athena.example.org"]]


def test_the_spoc_directory_shows_the_projects_own_email(client_for, athena, selec, staff, dtp_staff):
    romania, igpr = Country.objects.get(code="RO"), Organisation.objects.get(acronym="IGPR")
    services.registration_create(
        user=dtp_staff, event=make_event(selec["DTP-TOC"]), name="Ioana Spoc", country=romania, organisation=igpr,
        email="ioana@dtp.example.org",
    )  # fmt: skip
    spoc_add(project=athena, user=staff, name="Ioana Spoc", country=romania, agency=igpr)
    page = client_for(staff).get("/projects/ATHENA2/activities/spocs/").content.decode()
    assert "Ioana Spoc" in page and "ioana@dtp.example.org" not in page
    spoc_add(project=athena, user=staff, name="Other Spoc", country=romania, agency=igpr, email="o@athena.eu")
    export = b"".join(client_for(staff).get("/projects/ATHENA2/activities/spocs/export.csv").streaming_content)
    assert b"o@athena.eu" in export and b"ioana@dtp.example.org" not in export


def test_only_editors_see_who_has_no_email_on_the_feedback_page(client_for, held, staff, viewer):
    from conferences.models import Attendance

    ivan = Registration.objects.get(event=held, person__name="Ivan Petrov")
    Attendance.objects.create(registration=ivan, day=held.start_date, present=True)
    url = f"/projects/ATHENA2/events/{held.pk}/feedback/"
    assert "no e-mail" in client_for(staff).get(url).content.decode()
    page = client_for(viewer).get(url).content.decode()
    assert "Ivan Petrov" in page and "no e-mail" not in page
