import pytest
from django.contrib.auth.models import AnonymousUser

from projects.access import Action, role_allows
from projects.models import Deliverable, Indicator, Project
from projects.queries import project_for_user


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("viewer", {Action.VIEW}),
        ("staff", {Action.VIEW, Action.EDIT}),
        ("manager", {Action.VIEW, Action.EDIT, Action.VALIDATE, Action.MANAGE}),
        ("admin", set(Action)),
        (None, set()),
    ],
)
def test_each_role_grants_its_actions(role, allowed):
    assert {action for action in Action if role_allows(role, action)} == allowed


def test_members_see_only_their_projects(staff, outsider):
    assert list(Project.objects.for_user(staff).values_list("code", flat=True)) == ["ATHENA2"]
    assert list(Project.objects.for_user(outsider).values_list("code", flat=True)) == ["IMOBEX"]


def test_admins_see_every_project(admin_user):
    assert Project.objects.for_user(admin_user).count() == 3


def test_anonymous_and_inactive_users_see_nothing(staff, selec):
    assert not Project.objects.for_user(AnonymousUser()).exists()
    staff.is_active = False
    assert not Project.objects.for_user(staff).exists()


def test_actions_narrow_the_projects(staff, viewer, manager):
    assert Project.objects.for_user(viewer, Action.EDIT).count() == 0
    assert Project.objects.for_user(staff, Action.EDIT).count() == 1
    assert Project.objects.for_user(staff, Action.VALIDATE).count() == 0
    assert Project.objects.for_user(manager, Action.VALIDATE).count() == 1


def test_project_records_follow_their_project(staff, outsider):
    assert set(Indicator.objects.for_user(staff).values_list("project__code", flat=True)) == {"ATHENA2"}
    assert set(Deliverable.objects.for_user(outsider).values_list("workstream__project__code", flat=True)) == {"IMOBEX"}


def test_project_for_user_answers_404_outside_and_403_beyond_the_role(viewer, outsider):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    assert project_for_user(viewer, "ATHENA2").user_role == "viewer"
    with pytest.raises(Http404):
        project_for_user(outsider, "ATHENA2")
    with pytest.raises(PermissionDenied):
        project_for_user(viewer, "ATHENA2", Action.EDIT)
