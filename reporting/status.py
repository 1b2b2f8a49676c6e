"""The status rule of a project (portfolio and project dashboard), computed by `project_status`:

- progress = the mean, over the measured indicators, of achieved/target in percent, each capped at 100;
- elapsed = the share of the project's time that has passed (`Project.time_elapsed_percent`);
- **late** when the project has ended short of its targets (progress < 100), or when progress trails the time
  elapsed by more than 25 points;
- **at risk** when progress trails the time elapsed by more than 10 points, or when anything (milestone,
  deliverable, report, activity...) is overdue;
- **on track** otherwise. A project with no measured indicator is judged on its overdue items alone (at risk when
  any is overdue; late when it has also ended);
- **closed** for a project whose status is Closed, whatever its numbers: nothing can change any more, so neither
  its shortfall nor its open items make it late (its progress bar still shows how far it got). A project past its
  end date that is not closed yet (its final report pending) is still judged by the rules above.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.queries import IndicatorProgress
from projects.registry import IncludeSensitive, TimelineQuery

DUE_SOON_DAYS = 30
LATE_GAP = 25
AT_RISK_GAP = 10


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    LATE = "late", _("Late")
    CLOSED = "closed", _("Closed")

    @property
    def colour(self) -> str:
        """The colour of the status on a badge (a Bootstrap theme colour)."""
        return {"on_track": "success", "at_risk": "warning", "late": "danger", "closed": "secondary"}[self.value]


def project_status(*, elapsed: int, progress: int | None, overdue: int, ended: bool, closed: bool = False) -> Status:
    """The documented rule (see the module's docstring)."""
    if closed:
        return Status.CLOSED
    if progress is None:
        if overdue:
            return Status.LATE if ended else Status.AT_RISK
        return Status.ON_TRACK
    gap = elapsed - progress
    if (ended and progress < 100) or gap > LATE_GAP:
        return Status.LATE
    if gap > AT_RISK_GAP or overdue:
        return Status.AT_RISK
    return Status.ON_TRACK


def overall_progress(indicators: Sequence[IndicatorProgress]) -> int | None:
    measured = [item for item in indicators if item.measured]
    if not measured:
        return None
    return round(sum(min(item.percent, 100) for item in measured) / len(measured))


def due_query(
    which: str,
    *,
    today: date,
    include_sensitive: IncludeSensitive,
    since: date | None = None,
    until: date | None = None,
    limit: int | None = None,
) -> TimelineQuery:
    """The selection of a list of the portfolio and the dashboard.

    "overdue": what is not done and overdue on `today`; "upcoming": without a period, what is open and due in the
    next DUE_SOON_DAYS days (or running); with a period (since/until), every other item dated in it.
    `include_sensitive`: the reader's (`Project.sees_sensitive`): a viewer's lists leave sensitive items out.
    """
    period = since is not None or until is not None
    common = {"today": today, "limit": limit, "include_sensitive": include_sensitive}
    if which == "overdue":
        return TimelineQuery(since=since, until=until, open_only=True, overdue=True, **common)
    if period:
        return TimelineQuery(since=since, until=until, overdue=False, **common)
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    return TimelineQuery(until=horizon, open_only=True, overdue=False, **common)
