"""The road map: barriers with the countries where they apply, interventions, and the versioned document that counts
toward `road_maps` once a manager approves it."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from imobex.models import Barrier, Intervention, RoadMap, RoadMapVersion
from imobex.services import (
    barrier_save,
    road_map_for,
    roadmap_version_approve,
    roadmap_version_return,
    roadmap_version_submit,
)
from projects import rollups
from projects.models import AuditEvent, Deliverable
from projects.queries import indicator_progress
from projects.registry import registry
from tests.utils import count_queries, get_ok


def _pdf(name="road-map.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 road map", content_type="application/pdf")


def _road_maps_achieved(project) -> int:
    return {p.key: p.achieved for p in indicator_progress([project])[project.pk]}["road_maps"]


# --- barriers and interventions ---------------------------------------------------------------------------------------


def test_a_barrier_with_no_country_is_answered_next_to_the_field(client_for, imobex_staff):
    response = client_for(imobex_staff).post(
        "/projects/IMOBEX/road-map/barriers/add/",
        {"title": "No offence", "legal_area": "criminal_law", "description": "x", "countries": []},
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Barrier.objects.exists()


def test_the_service_refuses_a_barrier_with_no_country(imobex, imobex_staff):
    with pytest.raises(ValidationError) as exc:
        barrier_save(user=imobex_staff, project=imobex, title="x", legal_area="criminal_law", description="x")
    assert "Name at least one country" in exc.value.message_dict["countries"][0]
    assert not Barrier.objects.exists()


def test_staff_record_a_barrier_and_propose_an_intervention(client_for, imobex_staff, countries):
    client = client_for(imobex_staff)
    response = client.post(
        "/projects/IMOBEX/road-map/barriers/add/",
        {
            "title": "Thefts handled one by one",
            "legal_area": "criminal_procedure",
            "description": "Serial thefts are never joined up.",
            "countries": [countries["NL"].pk, countries["BE"].pk],
        },
    )
    assert response.status_code == 302
    barrier = Barrier.objects.get()
    response = client.post(
        f"/projects/IMOBEX/road-map/barriers/{barrier.pk}/interventions/add/",
        {
            "description": "Link serial cases",
            "responsible_actor": "National police",
            "horizon": "short",
            "status": "proposed",
        },
    )
    assert response.status_code == 302
    intervention = Intervention.objects.get()
    assert (intervention.barrier, intervention.status) == (barrier, "proposed")
    response = client.post(
        f"/projects/IMOBEX/road-map/interventions/{intervention.pk}/edit/",
        {
            "description": "Link serial cases",
            "responsible_actor": "National police",
            "horizon": "short",
            "status": "agreed",
        },
    )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert intervention.status == "agreed"
    page = get_ok(client, "/projects/IMOBEX/road-map/").content.decode()
    assert "Thefts handled one by one" in page and "Belgium, Netherlands" in page and "Agreed" in page


def test_an_intervention_without_an_actor_or_horizon_is_answered_next_to_the_field(
    client_for, imobex_staff, imobex, countries
):
    barrier = barrier_save(
        user=imobex_staff, project=imobex, title="x", legal_area="other", description="x", countries=[countries["RO"]]
    )
    response = client_for(imobex_staff).post(
        f"/projects/IMOBEX/road-map/barriers/{barrier.pk}/interventions/add/",
        {"description": "Do something", "status": "proposed"},
    )
    assert response.status_code == 200
    assert response.content.decode().count("This field is required") == 2
    assert not Intervention.objects.exists()


# --- the document: versions and approval -------------------------------------------------------------------------


def test_an_approved_version_counts_toward_road_maps_and_approves_the_deliverable(imobex, imobex_staff, imobex_manager):
    road_map = road_map_for(imobex)
    assert road_map.deliverable.title.startswith("Road map for reducing barriers")
    v1 = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf(), notes="First draft")
    assert (v1.number, v1.status) == (1, "submitted")
    assert _road_maps_achieved(imobex) == 0

    with pytest.raises(ValidationError):
        roadmap_version_return(user=imobex_manager, version=v1, note="  ")
    roadmap_version_return(user=imobex_manager, version=v1, note="Add the horizons")
    assert _road_maps_achieved(imobex) == 0

    v2 = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    assert v2.number == 2
    roadmap_version_approve(user=imobex_manager, version=v2)
    assert _road_maps_achieved(imobex) == 1
    deliverable = Deliverable.objects.get(pk=road_map.deliverable_id)
    assert (deliverable.status, deliverable.delivered_on) == ("approved", timezone.localdate())
    assert deliverable.evidence.name == v2.document.name

    # A later approved version supersedes the earlier one; the road map still counts once.
    v3 = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    roadmap_version_approve(user=imobex_manager, version=v3)
    v2.refresh_from_db()
    assert v2.status == "superseded" and v2.approved_on is not None
    assert _road_maps_achieved(imobex) == 1
    assert list(
        AuditEvent.objects.filter(object_type="imobex.RoadMapVersion", action="transition")
        .values_list("details__to", flat=True)
        .order_by("pk")
    ) == ["returned", "approved", "approved"]


def test_staff_cannot_approve_a_road_map(imobex, imobex_staff):
    version = roadmap_version_submit(user=imobex_staff, road_map=road_map_for(imobex), document=_pdf())
    with pytest.raises(PermissionDenied):
        roadmap_version_approve(user=imobex_staff, version=version)
    version.refresh_from_db()
    assert version.status == "submitted"
    assert _road_maps_achieved(imobex) == 0


def test_a_version_is_decided_once(imobex, imobex_staff, imobex_manager):
    version = roadmap_version_submit(user=imobex_staff, road_map=road_map_for(imobex), document=_pdf())
    roadmap_version_approve(user=imobex_manager, version=version)
    with pytest.raises(ValidationError):
        roadmap_version_return(user=imobex_manager, version=version, note="Too late")


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
    road_map = road_map_for(imobex)
    older = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    newer = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    roadmap_version_return(user=imobex_manager, version=newer, note="Not this one")
    assert roadmap_version_approve(user=imobex_manager, version=older).status == "approved"


def test_road_maps_counts_by_the_approval_date(imobex, imobex_staff):
    road_map = RoadMap.objects.create(project=imobex, title="Road map")
    RoadMapVersion.objects.create(
        road_map=road_map, number=1, document="x.pdf", status="approved", submitted_by=imobex_staff,
        approved_on=date(2022, 9, 30),
    )  # fmt: skip
    assert registry.metric("road_maps").values([imobex.pk], date(2022, 9, 29)) == {}
    assert registry.metric("road_maps").values([imobex.pk], date(2022, 9, 30)) == {imobex.pk: 1}


def test_the_manager_approves_on_the_page_and_the_indicator_goes_up(client_for, imobex_staff, imobex_manager, imobex):
    staff_client = client_for(imobex_staff)
    response = staff_client.post("/projects/IMOBEX/road-map/versions/add/", {"document": _pdf(), "notes": "Final"})
    assert response.status_code == 302
    version = RoadMapVersion.objects.get()
    page = get_ok(staff_client, "/projects/IMOBEX/road-map/").content.decode()
    assert "Submitted for approval" in page and 'value="approve"' not in page  # staff are not offered approval
    assert (
        staff_client.post(
            f"/projects/IMOBEX/road-map/versions/{version.pk}/decide/", {"decision": "approve"}
        ).status_code
        == 403
    )

    manager_client = client_for(imobex_manager)
    assert 'value="approve"' in get_ok(manager_client, "/projects/IMOBEX/road-map/").content.decode()
    response = manager_client.post(f"/projects/IMOBEX/road-map/versions/{version.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == "approved"
    overview = get_ok(manager_client, "/projects/IMOBEX/").content.decode()
    assert '<span class="achieved">1</span> / 1' in overview.split('data-testid="achieved-road_maps"')[1][:80]


def test_returning_without_a_note_is_explained(client_for, imobex_staff, imobex_manager, imobex):
    version = roadmap_version_submit(user=imobex_staff, road_map=road_map_for(imobex), document=_pdf())
    response = client_for(imobex_manager).post(
        f"/projects/IMOBEX/road-map/versions/{version.pk}/decide/", {"decision": "return", "note": ""}, follow=True
    )
    assert "Say what should change" in response.content.decode()
    version.refresh_from_db()
    assert version.status == "submitted"


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


def test_a_road_map_that_is_not_a_document_is_refused(client_for, imobex_staff):
    response = client_for(imobex_staff).post(
        "/projects/IMOBEX/road-map/versions/add/", {"document": SimpleUploadedFile("run.sh", b"#!/bin/sh")}
    )
    assert response.status_code == 200
    assert "File extension" in response.content.decode()
    assert not RoadMapVersion.objects.exists()


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


def test_documents_are_downloaded_only_by_members(client_for, imobex_staff, imobex_viewer, staff, imobex):
    version = roadmap_version_submit(user=imobex_staff, road_map=road_map_for(imobex), document=_pdf())
    url = f"/projects/IMOBEX/road-map/versions/{version.pk}/download/"
    response = client_for(imobex_viewer).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 road map"
    assert AuditEvent.objects.filter(action="export", user=imobex_viewer, object_type="imobex.RoadMapVersion").exists()
    assert client_for(staff).get(url).status_code == 404
    assert client_for(imobex_viewer).get(f"/media/{version.document.name}").status_code == 404


def test_a_viewer_cannot_change_the_road_map(client_for, imobex_viewer):
    client = client_for(imobex_viewer)
    page = get_ok(client, "/projects/IMOBEX/road-map/").content.decode()
    assert "Add a barrier" not in page and "Submit a new version" not in page
    for url in ("/projects/IMOBEX/road-map/barriers/add/", "/projects/IMOBEX/road-map/versions/add/"):
        assert client.get(url).status_code == 403


# session, user, project, barriers, their countries, their interventions, road maps (with the deliverable), versions
def test_the_road_map_page_queries_are_pinned_and_do_not_grow(client_for, imobex_manager, imobex, countries):
    client = client_for(imobex_manager)
    url = "/projects/IMOBEX/road-map/"
    client.get(url)

    @rollups.batch(everything=True)  # set-up data in bulk: the rollups rebuilt once, at the end
    def grow(n):
        road_map = road_map_for(imobex)
        start = road_map.versions.count()
        for i in range(n):
            barrier = Barrier.objects.create(project=imobex, title=f"b{i}", legal_area="other", description="d")
            barrier.countries.set([countries["RO"], countries["NL"]])
            Intervention.objects.create(barrier=barrier, description="i", responsible_actor="a", horizon="short")
            RoadMapVersion.objects.create(
                road_map=road_map, number=start + i + 1, document="x.pdf", submitted_by=imobex_manager
            )

    grow(2)
    small = count_queries(lambda: get_ok(client, url))
    grow(20)
    large = count_queries(lambda: get_ok(client, url))
    assert small == large == 8


@pytest.mark.parametrize(("status", "awaits"), [(s, s == "submitted") for s in RoadMapVersion.Status.values])
def test_only_a_submitted_version_awaits_a_managers_decision(status, awaits):
    assert RoadMapVersion(status=status).awaits_decision is awaits
