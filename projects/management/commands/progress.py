import json

from django.core.management.base import BaseCommand, CommandError

from projects.audit import _operator, audit_log
from projects.models import AuditEvent, Project
from projects.queries import progress_report


class Command(BaseCommand):
    help = "Print every project's indicators: target and achieved, computed as on the dashboards."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument("--project", metavar="CODE", help="Only this project (for example ATHENA2).")

    def handle(self, *args, format: str, project: str | None, **options):
        projects = Project.objects.order_by("start_date", "code")
        if project:
            projects = projects.filter(code=project)
            if not projects.exists():
                raise CommandError(f"No project with code {project!r}.")
        rows = progress_report(list(projects))
        # A report handed out from the shell is recorded like one downloaded from the pages.
        audit_log(
            user=None,
            action=AuditEvent.Action.EXPORT,
            object_type=Project._meta.label,
            details={
                "report": "progress",
                "format": format,
                "projects": [row["code"] for row in rows],
                "by": _operator(None),
            },
        )
        if format == "json":
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(f"{row['code']}  {row['name']}  ({row['start_date']} – {row['end_date']})")
            for ind in row["indicators"]:
                achieved = "not measured yet" if ind["achieved"] is None else f"{ind['achieved']} ({ind['percent']}%)"
                self.stdout.write(f"  {ind['label']:<45} {achieved:>20} of {ind['target']}")
            self.stdout.write("")
