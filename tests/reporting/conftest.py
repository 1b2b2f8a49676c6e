"""A small project with known numbers for the reporting tests (dates fixed; `TODAY` is the clock they use)."""

from __future__ import annotations

import time
from datetime import date

import pytest

from projects.models import Deliverable, Indicator, Membership, Milestone, Project, Workstream
from projects.services import membership_set
from reporting import cache
from reporting.models import ReportingPeriod

TODAY = date(2024, 10, 20)


@pytest.fixture(autouse=True)
def fresh_cache_version():
    """Each test starts from a new cache version: cached values of an earlier test (rolled back) are unreachable."""
    cache.bump()


def wait_for(condition, seconds: float = 20, message: str = "condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{message} not met after {seconds}s")


@pytest.fixture
def known(db, manager, staff, viewer):
    """Project REP (2024-01-01 to 2025-12-31) with 6 deliverables (3 approved), 2 milestones (1 reached).

    On TODAY (20 Oct 2024): 40 % of the time has passed; both indicators stand at 50 %; deliverable D4 is overdue;
    D5 and M2 are due within 30 days.
    """
    project = Project.objects.create(
        code="REP",
        name="Reporting test project",
        funding_programme="Test fund",
        start_date=date(2024, 1, 1),
        end_date=date(2025, 12, 31),
    )
    for user, role in ((manager, Membership.Role.MANAGER), (staff, Membership.Role.STAFF), (viewer, "viewer")):
        membership_set(user=user, project=project, role=role)
    ws = Workstream.objects.create(project=project, number=1, title="Delivery")
    approved = Deliverable.Status.APPROVED
    for title, due, status, delivered in (
        ("D1 Baseline study", date(2024, 3, 31), approved, date(2024, 3, 15)),
        ("D2 Training plan", date(2024, 3, 31), approved, date(2024, 3, 20)),
        ("D3 Handbook", date(2024, 7, 31), approved, date(2024, 7, 1)),
        ("D4 Interim review", date(2024, 10, 10), Deliverable.Status.PLANNED, None),
        ("D5 Field lab design", date(2024, 11, 5), Deliverable.Status.IN_PROGRESS, None),
        ("D6 Final report", date(2025, 6, 30), Deliverable.Status.PLANNED, None),
    ):
        Deliverable.objects.create(workstream=ws, title=title, due_date=due, status=status, delivered_on=delivered)
    Milestone.objects.create(
        workstream=ws,
        title="M1 Kick-off done",
        due_date=date(2024, 6, 30),
        status="reached",
        reached_on=date(2024, 6, 30),
    )
    Milestone.objects.create(workstream=ws, title="M2 Mid-term", due_date=date(2024, 11, 15))
    Indicator.objects.create(
        project=project, key="deliverables", label="Deliverables handed over", target=6, metric="deliverables_done"
    )
    Indicator.objects.create(
        project=project, key="milestones", label="Milestones reached", target=2, metric="milestones_reached", order=1
    )
    ReportingPeriod.objects.create(
        project=project,
        title="Interim report 1",
        start=date(2024, 3, 1),
        end=date(2024, 6, 30),
        due_date=date(2024, 7, 31),
        submitted_on=date(2024, 7, 25),
    )
    return project
