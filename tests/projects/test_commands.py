import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from projects.models import Deliverable, Membership, Milestone


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_progress_json_lists_every_project_with_its_indicators(selec):
    rows = json.loads(run("progress", format="json"))
    assert [row["code"] for row in rows] == ["IMOBEX", "DTP-TOC", "ATHENA2"] or {r["code"] for r in rows} == {
        "IMOBEX",
        "DTP-TOC",
        "ATHENA2",
    }
    athena = next(row for row in rows if row["code"] == "ATHENA2")
    patrols = next(ind for ind in athena["indicators"] if ind["key"] == "joint_patrols")
    assert set(patrols) >= {"key", "label", "target", "achieved"}
    assert patrols["target"] == 24


def test_progress_for_one_project(selec):
    rows = json.loads(run("progress", format="json", project="IMOBEX"))
    assert [row["code"] for row in rows] == ["IMOBEX"]
    assert [ind["key"] for ind in rows[0]["indicators"]] == [
        "countries_covered",
        "expert_workshops",
        "road_maps",
        "field_labs",
    ]


def test_progress_for_an_unknown_project_is_an_error(selec):
    with pytest.raises(CommandError):
        run("progress", project="NOPE")


def test_progress_text_is_for_people(selec):
    text = run("progress", format="text", project="ATHENA2")
    assert "Officers involved" in text and "300" in text


def test_seed_demo_creates_the_four_demo_accounts(selec, settings):
    settings.DEMO_PASSWORD = "demo-pass-123"
    run("seed_demo", activities=10, force=True)
    for username in ("demo-admin", "demo-manager", "demo-staff", "demo-viewer"):
        assert get_user_model().objects.get(username=username).check_password("demo-pass-123")
    User = get_user_model()
    assert User.objects.get(username="demo-admin").is_superuser
    roles = dict(Membership.objects.filter(user__username="demo-staff").values_list("project__code", "role"))
    assert roles == {"DTP-TOC": "staff", "ATHENA2": "staff"}
    assert Membership.objects.get(user__username="demo-viewer").role == "viewer"


def test_seed_demo_is_deterministic_and_can_run_again(selec):
    run("seed_demo", activities=10, force=True)
    first = (
        list(Milestone.objects.order_by("pk").values_list("status", flat=True)),
        list(Deliverable.objects.order_by("pk").values_list("status", flat=True)),
    )
    run("seed_demo", activities=10, force=True)
    second = (
        list(Milestone.objects.order_by("pk").values_list("status", flat=True)),
        list(Deliverable.objects.order_by("pk").values_list("status", flat=True)),
    )
    assert first == second
    assert get_user_model().objects.filter(username__startswith="demo-").count() == 4


def test_seed_demo_refuses_to_run_with_debug_off(selec, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        run("seed_demo", activities=1)
    assert not get_user_model().objects.filter(username="demo-admin").exists()
    run("seed_demo", activities=1, force=True)
    assert get_user_model().objects.filter(username="demo-admin").exists()


def test_seed_demo_if_new_reuses_existing_demo_data(selec):
    run("seed_demo", activities=1, force=True)
    assert "already present" in run("seed_demo", activities=1, if_new=True, force=True)


def test_a_progress_report_printed_from_the_shell_is_recorded(selec):
    from projects.models import AuditEvent

    run("progress", format="json", project="IMOBEX")
    entry = AuditEvent.objects.get(action="export")
    assert (entry.username, entry.object_type) == ("", "projects.Project")
    assert entry.details["report"] == "progress" and entry.details["projects"] == ["IMOBEX"]
    assert entry.details["by"]  # the shell's account
