from django import template

from projects.access import Action

register = template.Library()


@register.filter
def allows(project, action: str) -> bool:
    """`{% if project|allows:"edit" %}`: whether the user's role in the project permits the action."""
    return project.allows(Action(action))


@register.filter
def rating(value) -> str:
    """An average rating as "4.2", or a dash when nobody answered."""
    return "—" if value is None else f"{value:.1f}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def short_name(organisation) -> str:
    """An organisation's acronym, else its name; empty when there is none."""
    if organisation is None:
        return ""
    return organisation.acronym or organisation.name
