"""The audit trail of IMOBEX records: a finding's and a barrier's countries and indicators old and new in their
entries; a road-map approval names the versions it superseded and the evidence it gave the deliverable."""

import pytest

from imobex.models import ExploitationIndicator
from imobex.services import barrier_save, finding_save, road_map_for, roadmap_version_approve, roadmap_version_submit
from projects.models import AuditEvent
from tests.imobex.test_road_map import _pdf

pytestmark = pytest.mark.django_db


def test_a_finding_changed_records_its_countries_and_indicators_before_and_after(imobex, imobex_staff, countries):
    debt = ExploitationIndicator.objects.order_by("order").first()
    finding = finding_save(
        user=imobex_staff,
        project=imobex,
        title="Burglary rings",
        crime_type="burglary",
        origin_countries=[countries["RO"]],
        action_countries=[countries["NL"]],
        indicators=[],
        source="interview",
        reliability="B",
        description="Groups from Romania.",
    )
    created = AuditEvent.objects.get(object_type="imobex.Finding", action="create")
    assert created.details["changes"]["action_countries"] == {"old": None, "new": ["Netherlands"]}
    finding_save(
        user=imobex_staff,
        project=imobex,
        finding=finding,
        action_countries=[countries["NL"], countries["BE"]],
        indicators=[debt],
        title="Burglary rings",
    )
    changed = AuditEvent.objects.get(object_type="imobex.Finding", action="change")
    assert changed.details["changes"] == {
        "action_countries": {"old": ["Netherlands"], "new": ["Belgium", "Netherlands"]},
        "indicators": {"old": [], "new": [str(debt)]},
    }
    assert (changed.username, changed.project_code, changed.object_repr) == ("imobex-staff", "IMOBEX", "Burglary rings")


def test_a_barrier_changed_records_its_countries_before_and_after(imobex, imobex_staff, countries):
    barrier = barrier_save(
        user=imobex_staff,
        project=imobex,
        countries=[countries["RO"]],
        title="No offence of forced begging",
        description="x",
        legal_area="criminal_law",
    )
    barrier_save(
        user=imobex_staff,
        project=imobex,
        barrier=barrier,
        countries=[countries["BG"]],
        title="No offence of forced begging",
        description="x",
        legal_area="criminal_law",
    )
    changed = AuditEvent.objects.get(object_type="imobex.Barrier", action="change")
    assert changed.details == {"changes": {"countries": {"old": ["Romania"], "new": ["Bulgaria"]}}}


def test_an_approval_records_the_versions_it_superseded_and_the_evidence_it_gave(imobex, imobex_staff, imobex_manager):
    road_map = road_map_for(imobex, user=imobex_staff)
    assert AuditEvent.objects.get(object_type="imobex.RoadMap").username == "imobex-staff"
    v1 = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    roadmap_version_approve(user=imobex_manager, version=v1)
    v2 = roadmap_version_submit(user=imobex_staff, road_map=road_map, document=_pdf())
    roadmap_version_approve(user=imobex_manager, version=v2)
    approvals = AuditEvent.objects.filter(object_type="imobex.RoadMapVersion", action="transition").order_by("pk")
    assert [entry.details for entry in approvals] == [{"to": "approved"}, {"to": "approved", "superseded": [1]}]
    evidence = AuditEvent.objects.filter(
        object_type="projects.Deliverable", object_id=str(road_map.deliverable_id), action="change"
    ).order_by("pk")
    assert [entry.details["evidence"][1] for entry in evidence] == [v1.document.name, v2.document.name]
    assert evidence[1].details["evidence"][0] == v1.document.name
