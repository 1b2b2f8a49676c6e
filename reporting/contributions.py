"""Everything the reporting app adds to the portal: the dashboard and reports tabs, the portfolio's status and
due/overdue lists, reports due on the timeline, the reminders about the plan and the reports, the progress report
job and its demo data. It reads every other contribution through the registry and patches none."""

from django.utils.translation import gettext_lazy as _

from projects.registry import Contributions, JobHandler, PortfolioPanel, Section, Seeder

from . import demo, queries, reminders, reports, services, timeline

PORTFOLIO_TEMPLATES = {slot: f"reporting/portfolio/{slot}.html" for slot in PortfolioPanel.SLOTS}

CONTRIBUTIONS = Contributions(
    timeline=timeline.SOURCES,
    reminder_kinds=reminders.KINDS,
    sections=[
        Section("dashboard", _("Dashboard"), "reporting:dashboard", order=5),
        Section("reports", _("Reports"), "reporting:report-list", order=90),
    ],
    portfolio_panels=[PortfolioPanel("status", queries.portfolio_extend, templates=PORTFOLIO_TEMPLATES)],
    jobs=[JobHandler(services.REPORT_JOB, reports.progress_report_job, on_success=reports.report_ready)],
    # last: its cache bump covers the others' bulk writes; the reports are written and frozen on the final numbers
    seeders=[Seeder(demo.seed, order=90, after=demo.freeze)],
)
