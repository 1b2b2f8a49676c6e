"""Demo data of the reporting app: half-yearly reporting periods per project, the last one final; the reports of the
periods already submitted written and frozen as their first submitted version, and the current period's report of
ATHENA 2 started (highlights, a workstream's narrative, the explanation of a deviation)."""

from __future__ import annotations

from datetime import date, timedelta

from projects.services import add_months

HIGHLIGHTS = (
    "Joint operations and patrols went ahead as planned in most partner countries; two cross-border observations "
    "were postponed at the request of the lead agencies.\nThe SPOC network met twice and agreed its contact rules."
)
WORKSTREAM_TEXT = "Activities were led by eleven countries; every completed activity was evaluated within a month."
EXPLANATION = ("The partner agency changed its contact point; the evaluation form reached it late.",
               "The SPOC follows the open evaluations every week until the backlog is cleared.")  # fmt: skip


def seed(*, activities: int, rng, today: date) -> dict[str, int]:
    from projects.models import Project

    from . import cache, content, services
    from .models import ReportingPeriod

    ReportingPeriod.objects.all().delete()
    periods, submitted = [], {}
    for project in Project.objects.order_by("pk"):
        start, number = project.start_date, 0
        while start <= project.end_date:
            end = min(add_months(start, 6) - timedelta(days=1), project.end_date)
            final, number = end == project.end_date, number + 1
            period = ReportingPeriod(
                project=project,
                kind=ReportingPeriod.Kind.FINAL if final else ReportingPeriod.Kind.CONTENT,
                title=f"{'Final' if final else 'Interim'} report {number}",
                start=start,
                end=end,
                due_date=end + timedelta(days=30),
            )
            periods.append(period)
            if end + timedelta(days=25) < today:
                submitted[len(periods) - 1] = end + timedelta(days=25)
            start = end + timedelta(days=1)
    ReportingPeriod.objects.bulk_create(periods)
    cache.bump()  # the seeders' bulk writes send no signals
    for index, on in submitted.items():
        services.report_texts_save(user=None, period=periods[index], highlights=HIGHLIGHTS)
        services.report_submit(user=None, period=periods[index], on=on)
    current = next((p for p in periods if p.project.code == "ATHENA2" and p.start <= today <= p.end), None)
    if current is not None:
        report = content.period_content(current, audience=content.MANAGERS)
        first = report["workstreams"][0]["id"] if report["workstreams"] else None
        deviation = report["deviations"][-1]["key"] if report["deviations"] else None
        services.report_texts_save(
            user=None,
            period=current,
            highlights=HIGHLIGHTS,
            workstreams={first: WORKSTREAM_TEXT} if first else {},
            deviations={deviation: EXPLANATION} if deviation else {},
        )
    return {"reporting periods": len(periods), "submitted report versions": len(submitted)}
