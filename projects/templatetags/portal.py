from django import template

from projects.registry import registry

register = template.Library()


@register.inclusion_tag("projects/includes/project_tabs.html")
def project_tabs(project, active: str = "overview"):
    """The project's tabs: its overview, then the sections the apps contribute (see projects.registry)."""
    return {"project": project, "sections": registry.sections_for(project), "active": active}
