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

    from . import cache
    from .models import ReportingPeriod

    ReportingPeriod.objects.all().delete()
    periods = []
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
            start = end + timedelta(days=1)
    ReportingPeriod.objects.bulk_create(periods)
    cache.bump()  # the seeders' bulk writes send no signals
    return {"reporting periods": len(periods)}


def freeze(*, today: date) -> dict[str, int]:
    """The reports of the periods ended long enough ago, written and submitted (frozen on the demo's numbers), by the
    demo manager; the current ATHENA 2 report begun."""
    from django.contrib.auth import get_user_model

    from . import content, services
    from .models import ReportingPeriod

    manager = get_user_model().objects.filter(username="demo-manager").first()
    periods = list(ReportingPeriod.objects.select_related("project").order_by("project__code", "start"))
    submitted = 0
    for period in periods:
        on = period.end + timedelta(days=25)
        if on < today:
            services.report_texts_save(user=manager, period=period, highlights=HIGHLIGHTS)
            services.report_submit(user=manager, period=period, on=on)
            submitted += 1
    current = next((p for p in periods if p.project.code == "ATHENA2" and p.start <= today <= p.end), None)
    if current is not None:
        outline = content.Report(current, audience=content.MANAGERS).outline()
        services.report_texts_save(
            user=manager,
            period=current,
            highlights=HIGHLIGHTS,
            workstreams={ws["id"]: WORKSTREAM_TEXT for ws in outline["workstreams"][:2]},
            deviations={deviation["key"]: EXPLANATION for deviation in outline["deviations"][-2:]},
        )
    return {"submitted report versions": submitted}
