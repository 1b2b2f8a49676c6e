"""The content of a progress report: what every format (PDF, DOCX, XLSX, CSV) and the preview show, as plain
JSON-ready data (dates as ISO strings), so that a submitted version is stored as it is (`ReportSnapshot.content`)
and rendered again, unchanged, years later.

The numbers are the dashboard's (`queries.indicator_rows`, `queries.breakdowns`, `series.burnup_series`, the
overdue list of `status.due_query`) for the same period and date, read for the report's audience:

- **managers**: sensitive records count in every number and are named in the lists;
- **funder** (the default of a submitted version): the same numbers, but no sensitive record is named, dated or
  placed: it only adds to a count ("2 further activities are not listed"), never to a list;
- a reader of the page (`reader_content`): what the reader's role sees, as on the dashboard.

The shape, section by section (the order of the report):

    {"schema": 1, "audience": "managers" | "funder" | "reader", "audience_label",
     "cover": {"project": {"code", "name", "funding"}, "title", "kind", "kind_label", "since", "until", "due",
               "as_of", "version": 0 (a draft) or n (submitted version n), "version_label", "submitted_on"},
     "summary": {"status", "status_label", "status_rule", "elapsed", "progress", "overdue",
                 "key_figures": [{"key", "label", "unit", "in_period", "cumulative", "target", "percent"}],
                 "highlights"},
     "indicators": [{"key", "label", "unit", "target", "measured", "at_start", "in_period", "cumulative",
                     "percent", "series": {"labels", "achieved", "target_line"} | None,
                     "by_country": [[country, n], ...]}],
     "workstreams": [{"id", "number", "title", "label", "narrative",
                      "milestones": [{"title", "due", "status", "status_label", "done_on", "late"}],
                      "deliverables": [{... the same, "evidence": file name or ""}],
                      "held": [{"key", "title", "total", "by_type", "by_country", "lines", "withheld"}]}],
     "deviations": [{"key", "kind", "kind_label", "title", "due", "detail", "explanation", "measure"}],
     "next_period": {"since", "until", "items": [{"kind", "kind_label", "title", "date", "status"}] by date},
     "annexes": [{"key", "title", "columns", "rows"}]}

`generated` ({"by", "at"}) is added when a file is rendered, not stored.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from functools import cached_property

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.models import Deliverable, Indicator, Milestone, Project, Workstream
from projects.registry import registry
from projects.services import add_months

from .models import DeviationNote, ProgressReport, ReportingPeriod, WorkstreamNarrative
from .queries import breakdowns, indicator_rows
from .series import burnup_series
from .status import AT_RISK_GAP, LATE_GAP, due_query, overall_progress, project_status

SCHEMA = 1
MANAGERS, FUNDER, READER = "managers", "funder", "reader"
AUDIENCES = {
    MANAGERS: gettext_lazy("The project's managers (names sensitive activities)"),
    FUNDER: gettext_lazy("The funder (sensitive activities as counts only)"),
}
AUDIENCE_NAMES = {MANAGERS: gettext_lazy("the managers"), FUNDER: gettext_lazy("the funder")}
# Overdue items of these kinds are the project's own housekeeping, not a deviation a funder reads about.
NOT_DEVIATIONS = ("task", "registration_deadline", "activity_start")
# What the next period plans (an activity once, by its start), the weightiest kinds first in the summary's short list.
NEXT_KINDS = ("milestone", "deliverable", "report", "event", "activity_start", "activity_evaluation")
NOT_ASSIGNED = None  # the workstream key of records held without one


def status_rule() -> str:
    return _(
        "On track: progress (the mean share of the targets reached) is within %(at_risk)s points of the time "
        "elapsed and nothing is overdue. At risk: behind by more than %(at_risk)s points, or something is "
        "overdue. Late: behind by more than %(late)s points, or the project ended short of its targets."
    ) % {"at_risk": AT_RISK_GAP, "late": LATE_GAP}


SECTIONS = ("cover", "summary", "indicators", "workstreams", "deviations", "next_period", "annexes")


def period_content(period: ReportingPeriod, *, audience: str, as_of: date | None = None) -> dict:
    """The report of a reporting period for an audience (MANAGERS or FUNDER), with the texts the managers wrote."""
    return Report(period, audience=audience, as_of=as_of).content()


def reader_content(period: ReportingPeriod, *, sees_sensitive: bool) -> dict:
    """The report as a reader sees it (the report's page: `project.sees_sensitive`): sensitive records count and
    show only for a reader who sees them, as on the dashboard."""
    return Report(period, audience=READER, sees_sensitive=sees_sensitive).content()


class Report:
    """The report of a period for an audience, built section by section: each part is read once, when a section
    first needs it, so a page showing one section (the preview loads them one at a time) runs only its queries.

    `audience`: MANAGERS, FUNDER, or READER with `sees_sensitive` (the reader's role: as the dashboard)."""

    def __init__(
        self, period: ReportingPeriod, *, audience: str, sees_sensitive: bool = False, as_of: date | None = None
    ):
        if audience == READER:
            self.count_sensitive = self.name_sensitive = sees_sensitive
        elif audience in AUDIENCES:
            self.count_sensitive, self.name_sensitive = True, audience == MANAGERS
        else:
            raise ValueError(f"unknown audience {audience!r}")
        self.period, self.audience, self.project = period, audience, period.project
        self.since, self.until = period.start, period.end
        self.as_of = min(as_of or timezone.localdate(), period.end)

    def content(self, sections: tuple[str, ...] = SECTIONS) -> dict:
        """The sections asked for (all by default), as plain data (see the module's docstring)."""
        data = {
            "schema": SCHEMA,
            "audience": self.audience,
            "audience_label": str(AUDIENCES.get(self.audience, _("Your view of the report"))),
        }
        for section in sections:
            data[section] = getattr(self, f"_{section}")()
        if "summary" in sections:
            if "indicators" not in sections:  # its small charts: the series, not the breakdowns
                data["indicators"] = self._indicators(by_country=False)
            data["summary"]["key_figures"] = [
                {k: row[k] for k in ("key", "label", "unit", "in_period", "cumulative", "target", "percent")}
                for row in self._indicators(by_country=False)
                if row["measured"]
            ]
        return _plain(data)

    def outline(self) -> dict:
        """What the texts form and the comparison with a submitted version need, without the charts, breakdowns and
        lists: the summary, the indicators' numbers, the workstreams (name and narrative) and the deviations."""
        narratives = (
            dict(WorkstreamNarrative.objects.filter(report=self.report).values_list("workstream_id", "text"))
            if self.report
            else {}
        )
        return _plain(
            {
                "summary": self._summary(),
                "indicators": [{**row.as_dict(), "measured": row.measured} for row in self.rows],
                "workstreams": [
                    {"id": ws.pk, "label": str(ws), "narrative": narratives.get(ws.pk, "")}
                    for ws in Workstream.objects.filter(project=self.project).order_by("number")
                ],
                "deviations": self._deviations(),
            }
        )

    # --- what the sections read, each once ------------------------------------------------------------------------

    @cached_property
    def report(self) -> ProgressReport | None:
        return ProgressReport.objects.filter(period=self.period).first() if self.period.pk else None  # a month

    @cached_property
    def indicators(self) -> list[Indicator]:
        return list(Indicator.objects.filter(project=self.project).order_by("order", "key"))

    @cached_property
    def rows(self):
        return indicator_rows(
            self.indicators, since=self.since, until=self.until, include_sensitive=self.count_sensitive
        )

    @cached_property
    def series(self) -> dict:
        return burnup_series(self.project, self.indicators, self.as_of, include_sensitive=self.count_sensitive)

    @cached_property
    def by_country(self) -> dict:
        return {
            entry["metric"]: entry["values"]
            for entry in breakdowns(self.project, self.indicators, self.until, include_sensitive=self.count_sensitive)
            if entry["dimension"] == "country"
        }

    @cached_property
    def overdue(self) -> list:
        """The overdue items of the period the reader may see named."""
        query = due_query("overdue", include_sensitive=self.name_sensitive, **self._window)
        return registry.timeline.page([self.project.pk], query).items

    @cached_property
    def overdue_count(self) -> int:
        """How many items are overdue, sensitive ones included when they count: the status rule's number."""
        if self.count_sensitive == self.name_sensitive:
            return len(self.overdue)
        query = due_query("overdue", include_sensitive=self.count_sensitive, limit=0, **self._window)
        return registry.timeline.page([self.project.pk], query).total

    @cached_property
    def notes(self) -> dict:
        return {note.key: note for note in DeviationNote.objects.filter(report=self.report)} if self.report else {}

    @property
    def _window(self) -> dict:
        return {"today": self.as_of, "since": self.since, "until": self.until}

    @cached_property
    def elapsed(self) -> int:
        return self.project.time_elapsed_percent(self.as_of)

    # --- the sections -----------------------------------------------------------------------------------------------

    def _cover(self) -> dict:
        period, project = self.period, self.project
        return {
            "project": {"code": project.code, "name": project.name, "funding": project.funding_programme},
            "title": str(period),
            "kind": period.kind,
            "kind_label": period.get_kind_display(),
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "due": period.due_date.isoformat(),
            "as_of": self.as_of.isoformat(),
            "version": 0,
            "version_label": _("Draft"),
            "submitted_on": None,
        }

    def _summary(self) -> dict:
        progress = overall_progress([_Progress(row) for row in self.rows])
        status = project_status(
            elapsed=self.elapsed,
            progress=progress,
            overdue=self.overdue_count,
            ended=self.as_of > self.project.end_date,
            closed=self.project.status == Project.Status.CLOSED,
        )
        return {
            "status": status.value,
            "status_label": str(status.label),
            "status_rule": status_rule(),
            "elapsed": self.elapsed,
            "progress": progress,
            "overdue": self.overdue_count,
            "highlights": self.report.narrative if self.report else "",
        }

    def _indicators(self, by_country: bool = True) -> list[dict]:
        metric_of = {i.key: i.metric for i in self.indicators}
        split = self.by_country if by_country else {}
        return [
            {
                **row.as_dict(),
                "measured": row.measured,
                "series": _series(self.series.get(row.key)) if row.measured else None,
                "by_country": [list(pair) for pair in split.get(metric_of[row.key], [])],
            }
            for row in self.rows
        ]

    def _workstreams(self) -> list[dict]:
        return _workstreams(
            self.project,
            self.report,
            self.since,
            self.until,
            self.as_of,
            (self.count_sensitive, self.name_sensitive),
        )

    def _deviations(self) -> list[dict]:
        rows = [{**row.as_dict(), "measured": row.measured} for row in self.rows]
        return _deviations(rows, self.overdue, self.elapsed, self.notes)

    def _next_period(self) -> dict:
        return _next_period(self.period, self.name_sensitive, self.as_of)

    def _annexes(self) -> list[dict]:
        return _annexes(self.project, self.since, self.until, self.as_of, self.name_sensitive)


def _plain(data: dict) -> dict:
    """The content exactly as a submitted version stores it (JSON: lists, not tuples; text, not lazy labels), so a
    report rendered now and one rendered from its snapshot are built from equal data."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


class _Progress:
    """An indicator row as `overall_progress` reads it."""

    def __init__(self, row):
        self.measured, self.percent = row.measured and row.cumulative is not None, row.percent or 0


def _series(data: dict | None) -> dict | None:
    if not data:
        return None
    return {"labels": data["labels"], "achieved": data["achieved"], "target_line": data["target_line"]}


def _late(due: date, done_on: date | None, as_of: date) -> bool:
    return done_on > due if done_on else due < as_of


def _workstreams(project, report, since: date, until: date, as_of: date, sensitive: tuple[bool, bool]) -> list[dict]:
    """Each workstream with its milestones and deliverables due (or done) in the period, what was held in it, and its
    narrative; records held without a workstream come last, under "Not assigned to a workstream"."""
    in_period = Q(due_date__range=(since, until))
    milestones, deliverables = defaultdict(list), defaultdict(list)
    for m in Milestone.objects.filter(in_period | Q(reached_on__range=(since, until)), workstream__project=project):
        milestones[m.workstream_id].append(
            {
                "title": m.title,
                "due": m.due_date.isoformat(),
                "status": m.status,
                "status_label": m.get_status_display(),
                "done_on": m.reached_on.isoformat() if m.reached_on else None,
                "late": _late(m.due_date, m.reached_on, as_of),
            }
        )
    for d in Deliverable.objects.filter(in_period | Q(delivered_on__range=(since, until)), workstream__project=project):
        deliverables[d.workstream_id].append(
            {
                "title": d.title,
                "due": d.due_date.isoformat(),
                "status": d.status,
                "status_label": d.get_status_display(),
                "done_on": d.delivered_on.isoformat() if d.delivered_on else None,
                "late": not d.is_done and d.due_date < as_of or bool(d.delivered_on and d.delivered_on > d.due_date),
                "evidence": d.evidence.name.rsplit("/", 1)[-1] if d.evidence else "",
            }
        )
    narratives = (
        dict(WorkstreamNarrative.objects.filter(report=report).values_list("workstream_id", "text")) if report else {}
    )
    count_sensitive, name_sensitive = sensitive
    held: dict[int | None, list[dict]] = defaultdict(list)
    for contribution in registry.workstream_summaries():
        summary = contribution.summary(
            project, since, until, count_sensitive=count_sensitive, name_sensitive=name_sensitive
        )
        for workstream_id, entry in summary.items():
            held[workstream_id].append({"key": contribution.key, "title": str(contribution.title), **entry})
    result = [
        {
            "id": ws.pk,
            "number": ws.number,
            "title": ws.title,
            "label": str(ws),
            "narrative": narratives.get(ws.pk, ""),
            "milestones": milestones.get(ws.pk, []),
            "deliverables": deliverables.get(ws.pk, []),
            "held": held.get(ws.pk, []),
        }
        for ws in Workstream.objects.filter(project=project).order_by("number")
    ]
    if held.get(NOT_ASSIGNED):
        result.append(
            {
                "id": None,
                "number": None,
                "title": _("Not assigned to a workstream"),
                "label": _("Not assigned to a workstream"),
                "narrative": "",
                "milestones": [],
                "deliverables": [],
                "held": held[NOT_ASSIGNED],
            }
        )
    return result


def _deviations(indicators: list[dict], overdue, elapsed: int, notes: dict) -> list[dict]:
    """The deviations found: indicators behind the time-elapsed line by more than the status rule's margin, then
    what is overdue (the dashboard's overdue list of the period, the project's housekeeping aside)."""
    found = []
    for row in indicators:
        if not row["measured"] or row["cumulative"] is None or not row["target"]:
            continue
        reached = min(row["percent"] or 0, 100)
        if elapsed - reached > AT_RISK_GAP:
            found.append(
                {
                    "key": f"indicator:{row['key']}",
                    "kind": "indicator",
                    "kind_label": _("Indicator behind"),
                    "title": row["label"],
                    "due": None,
                    "detail": _("%(reached)s%% of the target reached with %(elapsed)s%% of the time elapsed")
                    % {"reached": reached, "elapsed": elapsed},
                }
            )
    for item in overdue:
        if item.kind in NOT_DEVIATIONS:
            continue
        found.append(
            {
                "key": f"{item.kind}:{item.pk}",
                "kind": item.kind,
                "kind_label": str(item.kind_label),
                "title": item.title,
                "due": item.date.isoformat(),
                "detail": _("Overdue since %(date)s") % {"date": date_format(item.last_day or item.date, "j M Y")},
            }
        )
    for deviation in found:
        note = notes.get(deviation["key"])
        deviation["explanation"] = note.explanation if note else ""
        deviation["measure"] = note.measure if note else ""
    return found


def next_period_dates(period: ReportingPeriod, as_of: date | None = None) -> tuple[date, date] | None:
    """What "next" covers: from the day after the report's date (the rest of a period still running, then) to the end
    of the project's next reporting period, else of the next six months; never past the project's end (None when
    nothing of the project is left: its final report)."""
    following = (
        ReportingPeriod.objects.filter(project=period.project, start__gt=period.end).order_by("start", "kind").first()
    )
    end = period.project.end_date
    start = min(as_of or period.end, period.end) + timedelta(days=1)
    until = following.end if following else add_months(period.end + timedelta(days=1), 6) - timedelta(days=1)
    until = min(until, end)
    return (start, until) if start <= until else None


def _next_period(period: ReportingPeriod, name_sensitive: bool, as_of: date) -> dict:
    dates = next_period_dates(period, as_of)
    if dates is None:
        return {"since": None, "until": None, "items": []}
    since, until = dates
    items = registry.timeline.items(
        [period.project_id], since=since, until=until, open_only=False, today=as_of, include_sensitive=name_sensitive
    )
    planned = [item for item in items if item.kind in NEXT_KINDS]  # by date, as the timeline gives them
    return {"since": since.isoformat(), "until": until.isoformat(), "items": [_item(item) for item in planned]}


def _item(item) -> dict:
    return {
        "kind": item.kind,
        "kind_label": str(item.kind_label),
        "title": item.title,
        "date": item.date.isoformat(),
        "status": str(item.status),
    }


def _annexes(project, since: date, until: date, as_of: date, name_sensitive: bool) -> list[dict]:
    """The full lists: every dated item of the period grouped by kind (in date order), then the apps' tables."""
    items = registry.timeline.items(
        [project.pk], since=since, until=until, open_only=False, today=as_of, include_sensitive=name_sensitive
    )
    by_kind: dict[str, list] = defaultdict(list)
    labels = {}
    for item in items:
        by_kind[item.kind].append(item)
        labels[item.kind] = str(item.kind_label)
    annexes = [
        {
            "key": f"items-{kind}",
            "title": labels[kind],
            "columns": [_("Date"), _("Title"), _("Status")],
            "rows": [[item.date.isoformat(), item.title, str(item.status)] for item in group],
        }
        for kind, group in sorted(by_kind.items(), key=lambda kv: labels[kv[0]])
    ]
    for section in registry.report_sections():
        table = section.table(project, since, until, include_sensitive=name_sensitive)
        if table is not None:
            annexes.append({"key": section.key, "title": str(section.title), **table})
    return annexes


def deviation_keys(content: dict) -> list[str]:
    return [deviation["key"] for deviation in content["deviations"]]


def differences(before: dict, after: dict) -> list[dict]:
    """What changed between two contents of the same report (a submitted version and today's figures): the status,
    the overall progress, each indicator's numbers; [{"what", "before", "after"}], empty when nothing changed."""
    found = []

    def compare(what: str, old, new) -> None:
        if old != new:
            found.append({"what": what, "before": old, "after": new})

    compare(_("Status"), before["summary"]["status_label"], after["summary"]["status_label"])
    compare(_("Overall progress (%)"), before["summary"]["progress"], after["summary"]["progress"])
    old_rows = {row["key"]: row for row in before["indicators"]}
    for row in after["indicators"]:
        old = old_rows.get(row["key"], {})
        for field, label in (("in_period", _("in period")), ("cumulative", _("cumulative")), ("target", _("target"))):
            compare(f"{row['label']}: {label}", old.get(field), row[field])
    return found
