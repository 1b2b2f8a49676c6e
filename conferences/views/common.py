"""What every event page starts with: the project (access checked) and the event."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from projects.access import Action
from projects.queries import project_for_user

from .. import queries
from ..models import Event


def project_and_event(request, code: str, pk: int, action: Action = Action.VIEW, counts: bool = False):
    """The project (404 for non-members, 403 when the role does not allow the action) and its event."""
    project = project_for_user(request.user, code, action)
    if counts:
        return project, queries.event_for_page(project, pk)
    return project, get_object_or_404(
        Event.objects.filter(project=project).select_related("project", "country", "workstream"), pk=pk
    )
