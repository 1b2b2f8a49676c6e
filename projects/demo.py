"""Demo data for `manage.py seed_demo`: the core's part (each app contributes its own `Seeder`).

A seeder is a function `seed(*, activities: int, rng: random.Random, today: date) -> dict[str, int]` returning
what it created. Seeders must be deterministic for a given `activities` and safe to run again (they replace
their own demo records rather than add to them), and should use bulk inserts so N = 100,000 stays fast.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.conf import settings

DEMO_ACCOUNTS = [
    # username, superuser, {project code: role}, first name, last name
    ("demo-admin", True, {}, "Ada", "Admin"),
    ("demo-manager", False, {"DTP-TOC": "manager", "ATHENA2": "manager", "IMOBEX": "manager"}, "Mara", "Manager"),
    ("demo-staff", False, {"DTP-TOC": "staff", "ATHENA2": "staff"}, "Stefan", "Staff"),
    ("demo-viewer", False, {"ATHENA2": "viewer"}, "Vera", "Viewer"),
]


def seed_core(*, activities: int, rng: random.Random, today: date) -> dict[str, int]:
    """Demo accounts with their memberships, and progress on the milestones and deliverables already due."""
    from .models import Deliverable, Indicator, IndicatorTarget, Milestone, Project
    from .services import membership_set, profile_update, user_ensure

    projects = {p.code: p for p in Project.objects.all()}
    for username, superuser, roles, first_name, last_name in DEMO_ACCOUNTS:
        user = user_ensure(
            username=username,
            password=settings.DEMO_PASSWORD,
            email=f"{username}@selec.example",
            superuser=superuser,
            first_name=first_name,
            last_name=last_name,
        )
        profile_update(user=user, time_zone=settings.PORTAL_DEFAULT_USER_TIME_ZONE)
        for code, role in roles.items():
            if code in projects:
                membership_set(user=user, project=projects[code], role=role)

    reached = 0
    milestones = list(Milestone.objects.order_by("pk"))
    for milestone in milestones:
        if milestone.due_date < today and rng.random() < 0.8:
            milestone.status, milestone.reached_on = Milestone.Status.REACHED, milestone.due_date
            reached += 1
        else:
            milestone.status, milestone.reached_on = Milestone.Status.PENDING, None
    Milestone.objects.bulk_update(milestones, ["status", "reached_on"])

    approved = 0
    deliverables = list(Deliverable.objects.order_by("pk"))
    for deliverable in deliverables:
        if deliverable.due_date < today and rng.random() < 0.7:
            deliverable.status, deliverable.delivered_on = Deliverable.Status.APPROVED, deliverable.due_date
            approved += 1
        elif deliverable.due_date < today:
            deliverable.status, deliverable.delivered_on = Deliverable.Status.SUBMITTED, deliverable.due_date
        else:
            deliverable.status, deliverable.delivered_on = Deliverable.Status.PLANNED, None
    Deliverable.objects.bulk_update(deliverables, ["status", "delivered_on"])

    tasks = _seed_tasks(rng=rng, today=today)

    # Mid-term targets: half of each target by the middle of the project.
    mid_targets = 0
    for indicator in Indicator.objects.select_related("project"):
        project = indicator.project
        midpoint = project.start_date + (project.end_date - project.start_date) / 2
        _, created = IndicatorTarget.objects.update_or_create(
            indicator=indicator, due_date=midpoint, defaults={"target": indicator.target // 2}
        )
        mid_targets += created
    return {
        "demo accounts": len(DEMO_ACCOUNTS),
        "milestones reached": reached,
        "deliverables approved": approved,
        "mid-term targets": mid_targets,
        "tasks": tasks,
    }


DEMO_TASKS = [
    # title, month of the workstream it is due in (from its start), owner (demo account)
    ("Agree the work plan with the partners", 1, "demo-manager"),
    ("Collect the partners' contributions", 3, "demo-staff"),
    ("Review the draft with the lead partner", 5, "demo-manager"),
]


def _seed_tasks(*, rng: random.Random, today: date) -> int:
    """A few tasks in every workstream, owned by demo accounts that are members of the project."""
    from django.contrib.auth import get_user_model

    from .models import Membership, Task, Workstream
    from .services import add_months

    Task.objects.all().delete()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["demo-manager", "demo-staff"])}
    members = set(Membership.objects.filter(user__in=users.values()).values_list("user__username", "project_id"))
    tasks = []
    for ws in Workstream.objects.select_related("project").order_by("project__code", "number"):
        start = ws.start_date or ws.project.start_date
        for title, month, owner in DEMO_TASKS:
            due = add_months(start, month) - timedelta(days=1)
            owner = owner if (owner, ws.project_id) in members else "demo-manager"
            done = due < today and rng.random() < 0.75
            status = Task.Status.DONE if done else rng.choice([Task.Status.TODO, Task.Status.IN_PROGRESS])
            tasks.append(
                Task(
                    workstream=ws,
                    title=title,
                    owner=users.get(owner),
                    due_date=due,
                    status=status,
                    completed_on=due if done else None,
                )
            )
    Task.objects.bulk_create(tasks)
    return len(tasks)
