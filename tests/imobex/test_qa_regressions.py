"""Rules found missing in the QA walkthrough of IMOBEX: road-map versions decided in order, coverage dates in order
and within the project, uploads checked by content, and demo data that agrees with itself."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from imobex import demo
from imobex.models import CountryCoverage, RoadMapVersion
from imobex.services import coverage_set_state, road_map_for, roadmap_version_approve, roadmap_version_submit
from projects.models import Deliverable

State = CountryCoverage.State


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _pdf(name="road-map.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 road map", content_type="application/pdf")


# --- 8. road-map versions are approved in order -----------------------------------------------------------------------


def test_an_older_version_cannot_be_approved_after_a_newer_one(imobex, imobex_staff, imobex_manager):
    road_map = road_map_for(imobex)
    v3 = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    v4 = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    roadmap_version_approve(user=imobex_manager, version=v4)
    with pytest.raises(ValidationError) as exc:
        roadmap_version_approve(user=imobex_manager, version=v3)
    assert "Version 1 cannot be approved: version 2 is newer" in exc.value.messages[0]
    v3.refresh_from_db()
    v4.refresh_from_db()
    assert (v3.status, v4.status) == ("submitted", "approved")
    deliverable = Deliverable.objects.get(pk=road_map.deliverable_id)
    assert deliverable.evidence.name == v4.document.name


def test_only_the_latest_submitted_version_can_be_approved(imobex, imobex_staff, imobex_manager):
    road_map = road_map_for(imobex)
    older = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    with pytest.raises(ValidationError):
        roadmap_version_approve(user=imobex_manager, version=older)
    assert not RoadMapVersion.objects.filter(status="approved").exists()


def test_an_older_version_can_be_approved_when_the_newer_one_was_returned(imobex, imobex_staff, imobex_manager):
    from imobex.services import roadmap_version_return

    road_map = road_map_for(imobex)
    older = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    newer = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    roadmap_version_return(user=imobex_manager, version=newer, note="Not this one")
    assert roadmap_version_approve(user=imobex_manager, version=older).status == "approved"


def test_the_page_explains_why_an_older_version_is_not_approved(client_for, imobex, imobex_staff, imobex_manager):
    road_map = road_map_for(imobex)
    older = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    newer = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    roadmap_version_approve(user=imobex_manager, version=newer)
    response = client_for(imobex_manager).post(
        f"/projects/IMOBEX/road-map/versions/{older.pk}/decide/", {"decision": "approve"}, follow=True
    )
    assert "Version 1 cannot be approved: version 2 is newer" in response.content.decode()
    assert RoadMapVersion.objects.get(pk=newer.pk).status == "approved"


def test_only_the_latest_submitted_version_offers_approve_on_the_page(client_for, imobex, imobex_staff, imobex_manager):
    road_map = road_map_for(imobex)
    older = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    newer = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    page = client_for(imobex_manager).get("/projects/IMOBEX/road-map/").content.decode()

    def item(version):
        start = page.index(f'data-version="{version.number}" data-status="submitted"')
        return page[start : page.index("</li>", start)]

    assert 'value="approve"' in item(newer)
    assert 'value="approve"' not in item(older)
    assert 'value="return"' in item(older)  # an older version can still be returned


def test_a_road_map_that_is_an_executable_named_pdf_is_refused(client_for, imobex_staff):
    upload = SimpleUploadedFile("road-map.pdf", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/pdf")
    response = client_for(imobex_staff).post(
        "/projects/IMOBEX/road-map/versions/add/", {"document": upload, "notes": ""}
    )
    assert response.status_code == 200
    assert "not that of a PDF file" in response.content.decode()
    assert not RoadMapVersion.objects.exists()


def test_the_service_refuses_a_road_map_whose_content_is_not_its_type(imobex, imobex_staff):
    upload = SimpleUploadedFile("road-map.docx", b"%PDF-1.4 not a docx")
    with pytest.raises(ValidationError) as exc:
        roadmap_version_submit(user=imobex_staff, road_map=road_map_for(imobex), document=upload)
    assert "document" in exc.value.message_dict


# --- 9. coverage dates are in order and within the project --------------------------------------------------------


def test_coverage_dates_before_the_project_started_are_refused(imobex, countries, imobex_staff):
    with pytest.raises(ValidationError) as exc:
        coverage_set_state(
            user=imobex_staff, project=imobex, country=countries["RO"], state="requested", state_date=date(1990, 1, 1)
        )
    assert "before the project started" in exc.value.message_dict["state_date"][0]
    assert not CountryCoverage.objects.exists()


def test_information_cannot_be_received_before_it_was_requested(imobex, countries, imobex_staff):
    requested = imobex.start_date + timedelta(days=30)
    coverage_set_state(
        user=imobex_staff, project=imobex, country=countries["RO"], state="requested", state_date=requested
    )
    with pytest.raises(ValidationError) as exc:
        coverage_set_state(
            user=imobex_staff,
            project=imobex,
            country=countries["RO"],
            state="received",
            source="interview",
            state_date=requested - timedelta(days=1),
        )
    assert "state_date" in exc.value.message_dict
    stored = CountryCoverage.objects.get()
    assert (stored.state, stored.requested_on) == ("requested", requested)


def test_information_cannot_be_validated_before_it_was_received(imobex, countries, imobex_staff, imobex_manager):
    day = imobex.start_date + timedelta(days=30)
    ro = countries["RO"]
    coverage_set_state(user=imobex_staff, project=imobex, country=ro, state="requested", state_date=day)
    coverage_set_state(
        user=imobex_staff, project=imobex, country=ro, state="received", source="interview", state_date=day
    )
    with pytest.raises(ValidationError) as exc:
        coverage_set_state(
            user=imobex_manager, project=imobex, country=ro, state="validated", state_date=day - timedelta(days=1)
        )
    assert "state_date" in exc.value.message_dict
    coverage = coverage_set_state(user=imobex_manager, project=imobex, country=ro, state="validated", state_date=day)
    assert (coverage.requested_on, coverage.received_on, coverage.validated_on) == (day, day, day)


def test_correcting_the_received_date_cannot_put_it_before_the_request(imobex, countries, imobex_staff):
    day = imobex.start_date + timedelta(days=30)
    ro = countries["RO"]
    coverage_set_state(user=imobex_staff, project=imobex, country=ro, state="requested", state_date=day)
    coverage_set_state(
        user=imobex_staff, project=imobex, country=ro, state="received", source="interview", state_date=day
    )
    with pytest.raises(ValidationError) as exc:
        coverage_set_state(
            user=imobex_staff, project=imobex, country=ro, state="received", state_date=day - timedelta(days=5)
        )
    assert "cannot be received" in exc.value.message_dict["state_date"][0]


def test_the_model_refuses_dates_out_of_order_for_the_admin_too(imobex, countries):
    day = imobex.start_date + timedelta(days=30)
    coverage = CountryCoverage(
        project=imobex,
        country=countries["RO"],
        state=State.VALIDATED,
        source="interview",
        state_date=day,
        requested_on=day + timedelta(days=2),
        received_on=day + timedelta(days=1),
        validated_on=day,
    )
    with pytest.raises(ValidationError) as exc:
        coverage.full_clean()
    assert "cannot be received" in exc.value.message_dict["state_date"][0]


def test_the_page_answers_a_date_out_of_order_next_to_the_date(client_for, imobex, countries, imobex_staff):
    day = imobex.start_date + timedelta(days=30)
    coverage_set_state(user=imobex_staff, project=imobex, country=countries["FR"], state="requested", state_date=day)
    response = client_for(imobex_staff).post(
        "/projects/IMOBEX/coverage/FR/",
        {"state": "received", "source": "interview", "state_date": (day - timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["state_date"]
    assert CountryCoverage.objects.get().state == "requested"


def test_an_empty_date_does_not_move_a_country(client_for, imobex, imobex_staff):
    response = client_for(imobex_staff).post("/projects/IMOBEX/coverage/RO/", {"state": "requested", "state_date": ""})
    assert response.status_code == 200
    assert "Give the date of this state" in response.content.decode()
    assert not CountryCoverage.objects.exists()


def test_the_edit_page_offers_todays_date(client_for, imobex, imobex_staff):
    from django.utils import timezone

    response = client_for(imobex_staff).get("/projects/IMOBEX/coverage/RO/")
    assert f'value="{timezone.localdate().isoformat()}"' in response.content.decode()


# --- 10. demo data agrees with itself -----------------------------------------------------------------------------


def test_the_seeded_road_map_deliverable_is_approved_with_its_approved_version(imobex):
    deliverable = Deliverable.objects.get(workstream__project=imobex, title__istartswith="road map")
    Deliverable.objects.filter(pk=deliverable.pk).update(status="submitted", delivered_on=deliverable.due_date)
    demo.seed(activities=120, rng=random.Random("imobex:test"), today=date(2023, 6, 1))
    deliverable.refresh_from_db()
    approved = RoadMapVersion.objects.get(road_map__project=imobex, status="approved")
    assert (deliverable.status, deliverable.delivered_on) == ("approved", approved.approved_on)
    assert deliverable.evidence.name == approved.document.name
    assert not deliverable.is_overdue


def test_seeded_coverage_dates_are_in_order_and_within_the_project(imobex):
    demo.seed(activities=120, rng=random.Random("imobex:test"), today=date(2023, 6, 1))
    rows = list(CountryCoverage.objects.filter(project=imobex).select_related("project"))
    assert rows
    for row in rows:
        row.full_clean()  # raises on dates out of order or before the project started
    validated = [row for row in rows if row.state == State.VALIDATED]
    assert all(row.requested_on <= row.received_on <= row.validated_on for row in validated)
