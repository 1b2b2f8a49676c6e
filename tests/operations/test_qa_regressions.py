"""Rules found missing in the QA walkthrough of the joint activities: realistic numbers, one meaning of "officers
involved", bounded comments, pages and exports that never surprise, uploads checked by content, readable history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Value
from django.db.models.functions import Now

from operations.models import ActivityAttachment, ActivityCountry, JointActivity
from operations.services import activity_return, activity_submit
from projects.models import AuditEvent, Person
from projects.registry import Contributions, PeopleSource, registry
from projects.validators import content_matches_extension
from tests.utils import get_ok

LIST = "/projects/ATHENA2/activities/"
NEW = "/projects/ATHENA2/activities/new/"
NUMBERS = "/projects/ATHENA2/activities/numbers/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def detail(activity) -> str:
    return f"/projects/ATHENA2/activities/{activity.pk}/"


# --- 1. officers deployed are a realistic number ----------------------------------------------------------------------


def test_more_than_ten_thousand_officers_deployed_is_refused_next_to_the_field(
    client_for, staff, activity_form_data, country
):
    rows = [{"country": str(country("RO").pk), "officers_deployed": "9223372036854775807"}]
    response = client_for(staff).post(NEW, activity_form_data(countries=rows))
    assert response.status_code == 200
    errors = response.context["countries"].forms[0].errors["officers_deployed"]
    assert any("At most 10,000 officers" in error for error in errors)
    assert not JointActivity.objects.exists()


def test_ten_thousand_officers_deployed_is_accepted(client_for, staff, activity_form_data, country):
    rows = [{"country": str(country("RO").pk), "officers_deployed": "10000"}]
    response = client_for(staff).post(NEW, activity_form_data(countries=rows))
    assert response.status_code == 302
    assert ActivityCountry.objects.get().officers_deployed == 10_000


def test_the_database_refuses_more_than_ten_thousand_officers_deployed(make_activity, country):
    activity = make_activity(countries=())
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityCountry.objects.create(activity=activity, country=country("RO"), officers_deployed=10_001)


def test_the_numbers_page_adds_up_the_largest_numbers_without_failing(client_for, manager, make_activity):
    for _ in range(30):
        make_activity(validation_state="validated", countries=(("RO", 10_000), ("BG", 10_000)))
    response = get_ok(client_for(manager), NUMBERS)
    deployed = {row["country_name"]: row["deployed"] for row in response.context["deployed_by_country"]}
    assert deployed == {"Romania": 300_000, "Bulgaria": 300_000}


# --- 2. officers involved by country means what the headline and the dashboard mean ------------------------------


def test_the_numbers_page_counts_officers_by_country_across_every_source_like_the_headline(
    client_for, manager, make_activity, athena, country
):
    make_activity(
        validation_state="validated", officers=[("Ana Pop", "RO", "spoc"), ("Ivan Petrov", "BG", "field_officer")]
    )
    trainee = Person.objects.create(name="Workshop trainee", country=country("AL"))
    both = Person.objects.get(name="Ana Pop")

    workshops = PeopleSource(
        key="test-workshops",
        records=lambda: Person.objects.filter(pk__in=[trainee.pk, both.pk]).annotate(
            test_project_id=Value(athena.pk, output_field=IntegerField()), day=Now()
        ),
        project="test_project_id",
        person="pk",
        date="day",
    )
    with registry.contributed("tests", Contributions(people_sources=[workshops])):
        response = get_ok(client_for(manager), NUMBERS)
    context = response.context
    rows = {row["code"]: (row["people"], row["in_activities"]) for row in context["officers_by_country"]}
    assert rows == {"RO": (1, 1), "BG": (1, 1), "AL": (1, 0)}
    headline = {item.key: item.achieved for item in context["indicators"]}["officers_involved"]
    assert context["officers_total"] == headline == 3
    assert context["officers_in_activities_total"] == 2
    page = response.content.decode()
    assert 'data-testid="officers-total">3<' in page and "of them in joint activities" in page


# --- 3. comments are bounded and long words wrap ----------------------------------------------------------------------


def test_a_send_back_comment_longer_than_a_thousand_characters_is_refused_with_a_message(
    client_for, staff, manager, make_activity
):
    activity = make_activity()
    activity = activity_submit(activity=activity, user=staff, expected_version=1)
    with pytest.raises(ValidationError) as exc:
        activity_return(activity=activity, user=manager, comment="x" * 5000, expected_version=2)
    assert "at most 1000 characters (it has 5000)" in exc.value.message_dict["comment"][0]
    response = client_for(manager).post(
        f"{detail(activity)}return/", {"version": 2, "comment": "x" * 5000}, follow=True
    )
    assert "at most 1000 characters" in response.content.decode()
    assert JointActivity.objects.get(pk=activity.pk).validation_state == "submitted"


def test_the_model_refuses_a_validation_comment_longer_than_a_thousand_characters(make_activity):
    activity = make_activity(validation_state="returned", validation_comment="y" * 1001)
    with pytest.raises(ValidationError) as exc:
        activity.full_clean()
    assert "validation_comment" in exc.value.message_dict


def test_long_words_in_comments_wrap_on_the_detail_page(client_for, staff, manager, make_activity):
    activity = make_activity()
    activity = activity_submit(activity=activity, user=staff, expected_version=1)
    activity_return(activity=activity, user=manager, comment="w" * 1000, expected_version=2)
    page = get_ok(client_for(manager), detail(activity)).content.decode()
    assert 'class="alert alert-warning text-break" data-testid="validation-comment"' in page
    assert 'data-testid="history"' in page and 'text-break" data-testid="history"' in page


# --- 4. page numbers --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["0", "-1", "abc", ""])
def test_an_invalid_page_number_gives_the_first_page(client_for, staff, make_activity, number):
    for _ in range(30):
        make_activity()
    page = get_ok(client_for(staff), f"{LIST}?page={number}").context["page"]
    assert page.number == 1


def test_a_page_number_past_the_end_gives_the_last_page(client_for, staff, make_activity):
    for _ in range(30):
        make_activity()
    assert get_ok(client_for(staff), f"{LIST}?page=99").context["page"].number == 2


# --- 5. an export holds exactly what was asked for ------------------------------------------------------------------


@pytest.mark.parametrize("query", ["type=zzz", "sort=password", "country=999999", "start=2026-05-01&end=2026-01-01"])
def test_an_export_with_invalid_filters_is_refused_not_unfiltered(client_for, viewer, make_activity, query):
    make_activity(type="joint_patrol")
    make_activity(type="joint_operation")
    response = client_for(viewer).get(f"{LIST}?{query}&export=csv")
    assert response.status_code == 400
    assert "Nothing was exported" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


# --- 6. uploads are checked by their content ------------------------------------------------------------------------


def test_an_executable_named_pdf_is_refused_as_an_attachment(client_for, staff, make_activity):
    activity = make_activity()
    upload = SimpleUploadedFile("minutes.pdf", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/pdf")
    response = client_for(staff).post(f"{detail(activity)}attachments/", {"kind": "minutes", "file": upload})
    assert response.status_code == 400
    assert "not that of a PDF file" in response.content.decode()
    assert not ActivityAttachment.objects.exists()


@pytest.mark.parametrize(
    ("extension", "head", "accepted"),
    [
        ("pdf", b"%PDF-1.7", True),
        ("pdf", b"MZ\x90\x00", False),
        ("docx", b"PK\x03\x04rest", True),
        ("docx", b"%PDF-1.7", False),
        ("xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", True),
        ("png", b"\x89PNG\r\n\x1a\nrest", True),
        ("jpg", b"\xff\xd8\xff\xe0", True),
        ("jpeg", b"GIF89a", False),
        ("txt", b"plain minutes\n", True),
        ("csv", b"a,b\n1,2\n", True),
        ("txt", b"MZ\x90\x00\x03\x00", False),
    ],
)
def test_the_content_of_a_file_must_match_its_extension(extension, head, accepted):
    assert content_matches_extension(head, extension) is accepted


# --- 7. the history speaks the page's language ----------------------------------------------------------------------


def test_the_history_shows_field_labels_and_status_labels_not_internal_names(
    client_for, staff, manager, make_activity, activity_form_data
):
    response = client_for(staff).post(NEW, activity_form_data(status="planned", end_date=""))
    assert response.status_code == 302
    activity = JointActivity.objects.get()
    client_for(staff).post(f"{detail(activity)}submit/", {"version": activity.version})
    client_for(staff).post(f"{detail(activity)}advance/", {"version": activity.version + 1})
    AuditEvent.objects.create(
        action="change",
        object_type="operations.JointActivity",
        object_id=str(activity.pk),
        project=activity.project,
        details={"fields": ["end_date", "lead_country"]},
    )
    history = get_ok(client_for(manager), detail(activity)).content.decode()
    assert "end date, lead country" in history
    assert "(submitted for validation)" in history
    assert "(Planned → Ongoing)" in history
    for internal in ("end_date", "lead_country", "(submit →", "→ submitted)", "(planned →"):
        assert internal not in history
