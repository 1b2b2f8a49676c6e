import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from conferences.imports import check_rows, read_rows
from conferences.jobs import PARTICIPANTS_IMPORT
from conferences.models import Registration
from projects.models import BackgroundJob, Organisation, Person
from projects.services import job_execute

from .conftest import TODAY, make_person, register

GOOD = (
    "name,organisation,organisation type,country,email,gender,role\n"
    "Ana Popescu,IGPR,,RO,ana@example.org,F,delegate\n"
    "Ivan Petrov,Ministry of Interior of Bulgaria,,Bulgaria,,male,speaker\n"
    "Luka Horvat,Croatian Border Police,law_enforcement,HR,,,trainee\n"
)
BAD = GOOD + (
    "Maria Pop,IGPR,,XX,,,delegate\n"
    ",IGPR,,RO,,,delegate\n"
    "Ana  popescu,IGPR,,RO,,,speaker\n"
    "Nobody Known,Unknown Agency,,RO,,,delegate\n"
    "Eva Bad,IGPR,,RO,not-an-email,,delegate\n"
    "Tom Role,IGPR,,RO,,,chairman\n"
)


def _csv(text: str, name="participants.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("participants.xlsx", buffer.getvalue())


def test_every_bad_row_is_reported_with_its_reason(workshop):
    report = check_rows(event=workshop, rows=read_rows(_csv(BAD)), today=TODAY)
    assert [row.name for row in report.accepted] == ["Ana Popescu", "Ivan Petrov", "Luka Horvat"]
    reasons = {row.number: row.reason for row in report.rejected}
    assert reasons == {
        5: "Unknown country “XX”: use its ISO code (for example RO) or English name.",
        6: "The name is missing.",
        7: "The same person as in row 2.",
        8: "Unknown organisation “Unknown Agency”: correct it, or give its type (law_enforcement, international, "
        "government, private, academia, other) to add it.",
        9: "“not-an-email” is not an e-mail address.",
        10: "Unknown role “chairman”: use one of delegate, speaker, trainer, trainee, organiser.",
    }
    assert not report.can_import


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


def test_people_already_registered_and_places_beyond_the_capacity_are_rejected(workshop):
    register(workshop, make_person("Ana Popescu"))
    for n in range(8):
        register(workshop, make_person(f"Delegate {n}"))
    report = check_rows(event=workshop, rows=read_rows(_csv(GOOD + "Eva Late,IGPR,,RO,,,delegate\n")), today=TODAY)
    reasons = {row.number: row.reason for row in report.rejected}
    assert reasons[2] == "Ana Popescu is already registered for this event."
    assert "all 10 places" in reasons[5]  # Luka (trainee) took the tenth place
    assert [row.name for row in report.accepted] == ["Ivan Petrov", "Luka Horvat"]


def test_a_row_with_a_bad_e_mail_also_says_the_event_is_full(workshop):
    for n in range(10):
        register(workshop, make_person(f"Delegate {n}"))
    text = "name,country,email\nEva Late,RO,not-an-email\n"
    (row,) = check_rows(event=workshop, rows=read_rows(_csv(text)), today=TODAY).rejected
    assert "is not an e-mail address." in row.reason and "all 10 places" in row.reason


def test_a_file_that_is_not_a_list_is_refused_as_a_whole():
    from conferences.imports import ImportFileError

    with pytest.raises(ImportFileError, match="missing: country"):
        read_rows(_csv("name;organisation\nAna;IGPR\n"))
    with pytest.raises(ImportFileError, match=".csv or .xlsx"):
        read_rows(_csv("x", name="list.pdf"))
    with pytest.raises(ImportFileError, match="not an Excel workbook"):
        read_rows(SimpleUploadedFile("list.xlsx", b"not a zip"))


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


def test_a_list_with_bad_rows_is_previewed_and_nothing_is_saved(client_for, staff, workshop):
    people_before = Person.objects.count()
    url = f"/projects/ATHENA2/events/{workshop.pk}/registrations/import/"
    response = client_for(staff).post(url, {"file": _csv(BAD)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "6 rows cannot be imported" in page and "Nothing has been imported" in page
    assert "The same person as in row 2." in page
    assert 'data-testid="import-confirm"' not in page
    assert Registration.objects.count() == 0 and Person.objects.count() == people_before
    confirm = client_for(staff).post(url + "confirm/")
    assert confirm.status_code == 302 and not BackgroundJob.objects.exists()


def test_a_good_list_is_imported_in_a_background_job_after_the_preview(client_for, staff, workshop):
    client = client_for(staff)
    url = f"/projects/ATHENA2/events/{workshop.pk}/registrations/import/"
    page = client.post(url, {"file": _csv(GOOD)}).content.decode()
    assert "3 rows will be imported" in page and 'data-testid="import-confirm"' in page
    assert Registration.objects.count() == 0  # the preview saves nothing
    response = client.post(url + "confirm/")
    job = BackgroundJob.objects.get(kind=PARTICIPANTS_IMPORT)
    assert response.url == job.get_absolute_url()
    job_execute(job_id=job.pk)  # what the Celery worker does
    job.refresh_from_db()
    assert (job.status, job.result_data) == ("succeeded", {"event": workshop.pk, "imported": 3})
    assert job.params == {"event": workshop.pk, "rows": 3}  # the personal data of the list are not kept
    registrations = Registration.objects.filter(event=workshop).select_related("person__organisation")
    assert sorted((r.person.name, r.role) for r in registrations) == [
        ("Ana Popescu", "delegate"),
        ("Ivan Petrov", "speaker"),
        ("Luka Horvat", "trainee"),
    ]
    assert Organisation.objects.get(name="Croatian Border Police").kind == "law_enforcement"
    assert Person.objects.get(name="Ana Popescu").gender == "female"


def test_an_import_that_became_invalid_meanwhile_saves_nothing(client_for, staff, workshop):
    client = client_for(staff)
    url = f"/projects/ATHENA2/events/{workshop.pk}/registrations/import/"
    client.post(url, {"file": _csv(GOOD)})
    client.post(url + "confirm/")
    register(workshop, make_person("Ivan Petrov", "BG", "MoI BG"))  # registered by hand after the preview
    job = BackgroundJob.objects.get(kind=PARTICIPANTS_IMPORT)
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message == "Nothing was imported. Row 3: Ivan Petrov is already registered for this event."
    assert Registration.objects.filter(event=workshop).count() == 1
    assert not Organisation.objects.filter(name="Croatian Border Police").exists()


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


def test_an_excel_list_is_read_like_a_csv_one(workshop):
    upload = _xlsx([["Name", "Country", "Organisation", "Role"], ["Ana Popescu", "RO", "IGPR", "Speaker"], [None] * 4])
    report = check_rows(event=workshop, rows=read_rows(upload), today=TODAY)
    assert [(row.name, row.country.code, row.organisation.acronym, row.role) for row in report.accepted] == [
        ("Ana Popescu", "RO", "IGPR", "speaker")
    ]


def test_an_import_runs_in_a_real_worker(celery_worker_running, selec, manager, client_for):
    import time

    from .conftest import make_event

    event = make_event(selec["ATHENA2"], title="Worker workshop")
    client = client_for(manager)
    url = f"/projects/ATHENA2/events/{event.pk}/registrations/import/"
    client.post(url, {"file": _csv(GOOD)})
    client.post(url + "confirm/")
    job = BackgroundJob.objects.get(kind=PARTICIPANTS_IMPORT)
    for _ in range(200):
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.1)
    assert job.status == "succeeded", job.message
    assert Registration.objects.filter(event=event).count() == 3
