"""Demo data of the reporting app: half-yearly reporting periods per project, the last one final."""

from __future__ import annotations

from datetime import date, timedelta

from projects.services import add_months


def seed(*, activities: int, rng, today: date) -> dict[str, int]:
    from projects.models import Project

    from . import cache
    from .models import ReportingPeriod

    ReportingPeriod.objects.all().delete()
    periods = []
    for project in Project.objects.order_by("pk"):
        start = project.start_date
        while start <= project.end_date:
            end = min(add_months(start, 6) - timedelta(days=1), project.end_date)
            final = end == project.end_date
            periods.append(
                ReportingPeriod(
                    project=project,
                    kind=ReportingPeriod.Kind.FINAL if final else ReportingPeriod.Kind.CONTENT,
                    title=f"{'Final' if final else 'Interim'} report {len(periods) + 1}",
                    start=start,
                    end=end,
                    due_date=end + timedelta(days=30),
                    submitted_on=end + timedelta(days=25) if end + timedelta(days=25) < today else None,
                )
            )
            start = end + timedelta(days=1)
    ReportingPeriod.objects.bulk_create(periods)
    cache.bump()  # the seeders' bulk writes send no signals
    return {"reporting periods": len(periods)}
