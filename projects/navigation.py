"""Sections of a project that other apps add to the project page's tabs, without the core importing them.

An app registers in `AppConfig.ready()`:

    project_sections.register("activities", label=_("Joint activities"), url_name="operations:activity-list",
                              order=20, projects=["ATHENA2"])

The URL is reversed with the project's code (`kwargs={"code": ...}`); `projects` limits the tab to some projects
(None: every project); `action` is what the user's role must allow for the tab to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from .access import Action


@dataclass(frozen=True)
class ProjectSection:
    key: str
    label: str
    url_name: str
    order: int = 100
    projects: tuple[str, ...] | None = None
    action: Action = Action.VIEW

    def url(self, project) -> str:
        return reverse(self.url_name, kwargs={"code": project.code})


class ProjectSectionRegistry:
    def __init__(self) -> None:
        self._sections: dict[str, ProjectSection] = {}

    def register(
        self,
        key: str,
        *,
        label: str,
        url_name: str,
        order: int = 100,
        projects: list[str] | None = None,
        action: Action = Action.VIEW,
    ) -> None:
        self._sections[key] = ProjectSection(
            key, label, url_name, order, tuple(projects) if projects is not None else None, action
        )

    def for_project(self, project) -> list[dict]:
        """The tabs this user sees on this project (the project must carry `user_role`, see with_role)."""
        sections = sorted(self._sections.values(), key=lambda s: (s.order, s.key))
        return [
            {"key": s.key, "label": s.label, "url": s.url(project)}
            for s in sections
            if (s.projects is None or project.code in s.projects) and project.allows(s.action)
        ]


project_sections = ProjectSectionRegistry()
