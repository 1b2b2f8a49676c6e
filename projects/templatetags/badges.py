"""How a status is drawn: a badge whose colour is declared once, on the model, for each value of the field.

A model names the colour (a Bootstrap theme colour) of each value of its status fields:

    BADGE_COLOURS = {"status": {Status.HELD: "success", Status.CANCELLED: "danger", ...}}

and every template draws the badge with `{% status_badge event %}` or `{% status_badge activity "validation_state" %}`
rather than testing the value; a value without a colour is grey.
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from projects.models import Membership

register = template.Library()

DEFAULT_COLOUR = "secondary"


@register.filter
def badge_colour(obj, field: str = "status") -> str:
    """The colour of the value of `obj.<field>`: `{{ job|badge_colour }}` -> "success"."""
    colours = getattr(type(obj), "BADGE_COLOURS", {}).get(field, {})
    return colours.get(getattr(obj, field), DEFAULT_COLOUR)


@register.simple_tag
def status_badge(obj, field: str = "status", css: str = "", testid: str = ""):
    """`{% status_badge deliverable %}`: the value's label on a badge of its colour, with `data-status` holding the
    value (for tests and scripts); `css` adds classes ("fs-6"), `testid` a `data-testid`."""
    colour = badge_colour(obj, field)
    classes = " ".join(filter(None, ["badge", f"text-bg-{colour}", "border" if colour == "light" else "", css]))
    label = getattr(obj, f"get_{field}_display")()
    if testid:
        return format_html(
            '<span class="{}" data-status="{}" data-testid="{}">{}</span>', classes, getattr(obj, field), testid, label
        )
    return format_html('<span class="{}" data-status="{}">{}</span>', classes, getattr(obj, field), label)


@register.filter
def role_label(project) -> str:
    """The user's role in the project (`user_role`, annotated by `ProjectQuerySet.with_role`) in words."""
    role = getattr(project, "user_role", None)
    if role == Membership.ADMIN:
        return _("Admin")
    return Membership.Role(role).label if role in Membership.Role.values else ""
