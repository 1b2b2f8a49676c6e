import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from conferences.jobs import CERTIFICATES
from conferences.models import Event
from projects.models import AuditEvent, BackgroundJob
from projects.services import job_execute

from .conftest import TODAY, make_event, make_person, register


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def held_training(athena):
    from projects.models import Organisation

    start = TODAY - timedelta(days=10)
    event = make_event(
        athena,
        kind="training",
        title="SPOC training course",
        start_date=start,
        days=2,
        status=Event.Status.HELD,
        training_provider=Organisation.objects.get(acronym="CEPOL"),
    )
    register(event, make_person("Ana Popescu"), "trainee", attended_days=[start, start + timedelta(days=1)])
    register(event, make_person("Ivan Petrov", "BG", "MoI BG"), "trainee", attended_days=[start])
    register(event, make_person("Mira Novak", "SI", "GPU"), "trainee")
    return event


def test_a_certificate_is_a_pdf_naming_the_person_and_the_event(client_for, staff, held_training):
    ana = held_training.registrations.get(person__name="Ana Popescu")
    url = f"/projects/ATHENA2/events/{held_training.pk}/registrations/{ana.pk}/certificate.pdf"
    response = client_for(staff).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _text(response.content)
    assert "Certificate of attendance" in text
    assert "Ana Popescu" in text and "SPOC training course" in text
    assert "European Union Agency for Law Enforcement Training" in text
    assert AuditEvent.objects.filter(action="export", object_type="conferences.Certificate").exists()


def test_nobody_gets_a_certificate_for_an_event_they_did_not_attend(client_for, staff, held_training):
    mira = held_training.registrations.get(person__name="Mira Novak")
    url = f"/projects/ATHENA2/events/{held_training.pk}/registrations/{mira.pk}/certificate.pdf"
    assert client_for(staff).get(url).status_code == 404


def test_all_certificates_are_written_in_the_background_one_page_each(client_for, staff, held_training):
    response = client_for(staff).post(f"/projects/ATHENA2/events/{held_training.pk}/certificates/")
    job = BackgroundJob.objects.get(kind=CERTIFICATES)
    assert response.url == job.get_absolute_url()
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result_data == {"certificates": 2}
    reader = PdfReader(job.result.open("rb"))
    assert len(reader.pages) == 2
    assert "Ivan Petrov" in reader.pages[1].extract_text()


def test_name_badges_are_printable(client_for, staff, held_training):
    response = client_for(staff).get(f"/projects/ATHENA2/events/{held_training.pk}/badges.pdf")
    assert response.content.startswith(b"%PDF")
    text = _text(response.content)
    assert all(name in text for name in ("Ana Popescu", "Ivan Petrov", "Mira Novak"))
