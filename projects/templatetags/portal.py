from django import template

from projects.navigation import project_sections

register = template.Library()


@register.inclusion_tag("projects/includes/project_tabs.html")
def project_tabs(project, active: str = "overview"):
    """The project's tabs: its overview, then the sections the apps registered (see projects.navigation)."""
    return {"project": project, "sections": project_sections.for_project(project), "active": active}
