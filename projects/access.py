"""Who may do what in a project: the portal's single access rule.

A user's role in a project (`Membership.role`) grants a set of actions; superusers (admins) may do everything.
Querysets (`Project.objects.for_user`, `ProjectScopedQuerySet.for_user`) and views (`project_for_user`) all
derive from the table below, so the rule is written once.
"""

from __future__ import annotations

import enum


class Action(enum.StrEnum):
    VIEW = "view"  # read the project's pages, lists and exports
    EDIT = "edit"  # log and edit the project's records
    VALIDATE = "validate"  # approve or send back records, reopen validated ones
    MANAGE = "manage"  # dashboards, reports, reporting periods


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "viewer": frozenset({Action.VIEW}),
    "staff": frozenset({Action.VIEW, Action.EDIT}),
    "manager": frozenset({Action.VIEW, Action.EDIT, Action.VALIDATE, Action.MANAGE}),
    "admin": frozenset(Action),
}


def roles_allowed(action: Action) -> list[str]:
    """The membership roles that grant an action (admins are handled apart, as superusers)."""
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions and role != "admin"]


def role_allows(role: str | None, action: Action) -> bool:
    return bool(role) and action in ROLE_ACTIONS.get(role, frozenset())


# Sensitive records (a sensitive joint activity) are for those who may MANAGE the project: its managers and the
# admins. Everyone else (viewers, staff) never sees their dates, status, id, place or title, and they are left out
# of every filtered number, breakdown, monthly series and list; only the unfiltered cumulative totals of the
# indicators count them. `Project.sees_sensitive`, `ProjectQuerySet.seeing_sensitive(user)` and
# `BackgroundJob.sees_sensitive` all ask this one function.
SEES_SENSITIVE = Action.MANAGE


def sees_sensitive(role: str | None) -> bool:
    """Whether a member with this role sees the project's sensitive records."""
    return role_allows(role, SEES_SENSITIVE)
