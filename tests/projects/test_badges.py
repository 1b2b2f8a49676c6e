"""Status badges: each value's colour is declared once, on its model, and every page draws it with one tag."""

import pytest
from django.apps import apps
from django.template import Context, Template

from projects.models import BackgroundJob, Deliverable, Project
from projects.templatetags.badges import badge_colour, role_label

THEME_COLOURS = {"primary", "secondary", "success", "danger", "warning", "info", "light", "dark"}


def _render(source: str, **context) -> str:
    return Template("{% load badges %}" + source).render(Context(context))


def test_a_badge_has_the_colour_the_model_declares_for_the_value():
    html = _render("{% status_badge d %}", d=Deliverable(status="approved"))
    assert html == '<span class="badge text-bg-success" data-status="approved">Approved</span>'


def test_a_value_without_a_declared_colour_is_grey():
    assert badge_colour(Deliverable(status="planned")) == "secondary"
    assert badge_colour(Project(status="active")) == "secondary"  # a model that declares no colours


def test_a_badge_takes_its_field_extra_classes_and_test_id():
    html = _render('{% status_badge d "status" css="fs-6" testid="status" %}', d=Deliverable(status="submitted"))
    assert html == (
        '<span class="badge text-bg-info fs-6" data-status="submitted" data-testid="status">Submitted</span>'
    )


class Paper:
    """Any object with a field, its label and the colours of its values can be drawn."""

    BADGE_COLOURS = {"state": {"draft": "light"}}
    state = "draft"

    def get_state_display(self) -> str:
        return "Draft"


def test_a_light_badge_gets_a_border_to_be_seen():
    html = _render('{% status_badge p "state" %}', p=Paper())
    assert html == '<span class="badge text-bg-light border" data-status="draft">Draft</span>'


def test_the_colour_is_also_a_filter_for_other_elements():
    assert _render("bg-{{ job|badge_colour }}", job=BackgroundJob(status="failed")) == "bg-danger"


@pytest.mark.parametrize("model", [m for m in apps.get_models() if hasattr(m, "BADGE_COLOURS")], ids=str)
def test_every_declared_colour_names_a_value_of_its_field_and_a_theme_colour(model):
    for field_name, colours in model.BADGE_COLOURS.items():
        values = {value for value, _label in model._meta.get_field(field_name).choices}
        assert set(colours) <= values, f"{model.__name__}.{field_name}: {set(colours) - values} are not values"
        assert set(colours.values()) <= THEME_COLOURS


@pytest.mark.parametrize(
    ("role", "label"),
    [("admin", "Admin"), ("manager", "Manager"), ("staff", "Staff"), ("viewer", "Viewer"), (None, "")],
)
def test_the_users_role_is_named_in_words(role, label):
    project = Project(code="X")
    project.user_role = role
    assert role_label(project) == label
