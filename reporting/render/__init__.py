"""The renderers of a progress report: one module per format, each turning the report's content
(`reporting.content`, plain data) into bytes, with the same sections in the same order:

    cover, summary, indicators (with a burn-up chart each), per workstream, deviations, next period, annexes.

`charts.py` draws the burn-up charts for every format that embeds an image (SVG in the PDF, PNG in the DOCX); the
XLSX draws native charts from its own cells. What the formats share (the sections' titles, dates as text, the
columns of the indicator table) is here, so that no format words a thing differently.
"""

from __future__ import annotations

import importlib
import re
import zoneinfo
from datetime import date

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..content import NEXT_KINDS

# format -> the module of this package that renders it (each has `render_<format>(content) -> bytes`)
RENDERERS = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "csv": "csvfile"}


def render(content: dict, fmt: str) -> bytes:
    """The report in one format (its module imported on first use: the charts' library is big)."""
    module = importlib.import_module(f"{__name__}.{RENDERERS[fmt]}")
    return getattr(module, f"render_{fmt}")(content)


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    """A reader's time zone by name; the portal's default when the name is unknown."""
    try:
        return zoneinfo.ZoneInfo(name or settings.PORTAL_DEFAULT_USER_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.PORTAL_DEFAULT_USER_TIME_ZONE)


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


GLANCE = 5  # the summary lists this many overdue items and next steps; their sections hold them all


def glance(content: dict) -> dict:
    """The summary's short lists, the same in every format: the indicators behind the time-elapsed line; the first
    overdue items (the explained ones first) and how many more; the weightiest of what comes next, by date."""
    deviations, upcoming = content.get("deviations", []), content.get("next_period", {}).get("items", [])
    overdue = [d for d in deviations if d["kind"] != "indicator"]
    first_overdue = sorted(overdue, key=lambda d: not d["explanation"])[:GLANCE]
    weight = {kind: rank for rank, kind in enumerate(NEXT_KINDS)}  # the weightiest kinds first
    first_next = sorted(upcoming, key=lambda item: (weight.get(item["kind"], len(weight)), item["date"]))[:GLANCE]
    return {
        "glance_behind": [d for d in deviations if d["kind"] == "indicator"],
        "glance_deviations": first_overdue,
        "more_deviations": len(overdue) - len(first_overdue),
        "glance_next": sorted(first_next, key=lambda item: item["date"]),
        "more_next": len(upcoming) - len(first_next),
    }


def section_titles() -> dict[str, str]:
    """The report's sections, in their order, with their titles (the table of contents)."""
    return {
        "summary": _("Summary"),
        "indicators": _("Indicators"),
        "workstreams": _("Progress by workstream"),
        "deviations": _("Deviations and corrective measures"),
        "next_period": _("Next period"),
        "annexes": _("Annexes"),
    }


def day(value: str | date | None) -> str:
    """An ISO date (as the content stores it) as the report writes it: "3 Mar 2025"; "" for None."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return date_format(value, "j M Y")


def span(since: str | None, until: str | None) -> str:
    """ "1 Jan 2025 – 30 Jun 2025"; for a next period that does not exist (the project ends): say so."""
    if not since:
        return _("The project ends with this period: nothing comes after it.")
    return f"{day(since)} – {day(until)}"


def indicator_columns() -> list[str]:
    return [_("Indicator"), _("Unit"), _("At start"), _("In period"), _("Cumulative"), _("Target"), _("Percent")]


def indicator_cells(row: dict) -> list:
    return [row["label"], row["unit"], row["at_start"], row["in_period"], row["cumulative"], row["target"],
            row["percent"]]  # fmt: skip


def cover_lines(content: dict) -> list[tuple[str, str]]:
    """The cover's facts as (label, value), in order: every format prints these."""
    cover = content["cover"]
    generated = content.get("generated") or {}
    lines = [
        (_("Project"), f"{cover['project']['name']} ({cover['project']['code']})"),
        (_("Funding programme"), cover["project"]["funding"]),
        (_("Period"), span(cover["since"], cover["until"])),
        (_("Report"), f"{cover['kind_label']} · {cover['title']}"),
        (_("Version"), cover["version_label"]),
        (_("Audience"), content["audience_label"]),
        (_("Figures as of"), day(cover["as_of"])),
    ]
    if generated:
        lines.append((_("Generated"), _("by %(by)s on %(at)s") % {"by": generated["by"], "at": generated["at"]}))
    return lines


def late_label(entry: dict) -> str:
    """ "late" or "" for a milestone or deliverable of a workstream."""
    return _("late") if entry.get("late") else ""


def withheld_line(count: int) -> str:
    """What a report to the funder says instead of naming sensitive records."""
    if not count:
        return ""
    return ngettext(
        "%(count)s further sensitive activity is counted above but not listed.",
        "%(count)s further sensitive activities are counted above but not listed.",
        count,
    ) % {"count": count}


def summary_lines(content: dict) -> list[tuple[str, object]]:
    """The summary's facts as (label, value), numbers left as numbers for the formats that keep them."""
    summary = content["summary"]
    return [
        (_("Status"), summary["status_label"]),
        (_("Status rule"), summary["status_rule"]),
        (_("Time elapsed (%)"), summary["elapsed"]),
        (_("Progress (%)"), summary["progress"]),
        (_("Overdue items"), summary["overdue"]),
    ]


def key_figure_cells(row: dict) -> list:
    return [row["label"], row["unit"], row["in_period"], row["cumulative"], row["target"], row["percent"]]


def milestone_cells(entry: dict) -> list:
    """A milestone's (or the first cells of a deliverable's) row, dates as the content stores them (ISO)."""
    return [entry["title"], entry["due"], entry["status_label"], entry["done_on"], late_label(entry)]


def deviation_cells(deviation: dict) -> list:
    return [deviation["kind_label"], deviation["title"], deviation["due"], deviation["detail"],
            deviation["explanation"], deviation["measure"]]  # fmt: skip


def next_period_cells(item: dict) -> list:
    return [item["date"], item["kind_label"], item["title"], item["status"]]


def table_columns() -> dict[str, list[str]]:
    """The column titles of the report's other tables (the indicator table's are `indicator_columns`); each table's
    cells are in this order."""
    return {
        "key_figures": [_("Indicator"), _("Unit"), _("In period"), _("Cumulative"), _("Target"), _("Percent")],
        "series": [_("Month"), _("Achieved"), _("Target line")],
        "by_country": [_("Country"), _("Count")],
        "milestones": [_("Milestone"), _("Due"), _("Status"), _("Done on"), _("Late")],
        "deliverables": [_("Deliverable"), _("Due"), _("Status"), _("Done on"), _("Late"), _("Evidence")],
        "by_type": [_("Type"), _("Count")],
        "deviations": [_("Kind"), _("Title"), _("Due"), _("Detail"), _("Explanation"), _("Corrective measure")],
        "next_period": [_("Date"), _("Kind"), _("Title"), _("Status")],
    }


# The tables' columns by name, for the formats that take them one table at a time.


def key_figure_columns() -> list[str]:
    return table_columns()["key_figures"]


def milestone_columns() -> list[str]:
    return table_columns()["milestones"]


def deliverable_columns() -> list[str]:
    return table_columns()["deliverables"]


def deliverable_cells(entry: dict) -> list:
    return [*milestone_cells(entry), entry.get("evidence") or ""]


def deviation_columns() -> list[str]:
    return table_columns()["deviations"]


def next_period_columns() -> list[str]:
    return table_columns()["next_period"]


def no_deviations_line() -> str:
    return _("Nothing was overdue at the end of the period: there is no deviation to explain.")


def figures_line(summary: dict) -> str:
    """The summary's numbers in one sentence: time elapsed, progress, overdue items."""
    return _(
        "Time elapsed: %(elapsed)s %%. Progress towards the targets: %(progress)s %%. Overdue items: %(overdue)s."
    ) % {
        "elapsed": summary["elapsed"],
        "progress": summary["progress"],
        "overdue": summary["overdue"],
    }


def text(value) -> str:
    """A table cell as text: "" for None, an ISO date (as the content stores dates in annexes) as `day` writes it."""
    if value is None:
        return ""
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return day(value)
    return str(value)


def counts_line(label: str, pairs: list) -> str:
    """ "By country: Austria 3 · Moldova 3" for a list of (name, count); "" when empty."""
    if not pairs:
        return ""
    return f"{label}: " + " · ".join(f"{name} {count}" for name, count in pairs)


def held_counts(held: dict) -> list[str]:
    """The counts of a workstream's records held in the period, as lines: total, by type, by country."""
    lines = [_("%(title)s: %(total)s") % {"title": held["title"], "total": held["total"]}]
    lines += [counts_line(_("By type"), held["by_type"]), counts_line(_("By country"), held["by_country"])]
    return [line for line in lines if line]
