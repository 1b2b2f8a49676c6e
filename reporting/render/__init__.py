"""The renderers of a progress report: one module per format, each turning the report's content
(`reporting.content`, plain data) into bytes, with the same sections in the same order:

    cover, summary, indicators (with a burn-up chart each), per workstream, deviations, next period, annexes.

`charts.py` draws the burn-up charts for every format that embeds an image (SVG in the PDF, PNG in the DOCX); the
XLSX draws native charts from its own cells. What the formats share (the sections' titles, dates as text, the
columns of the indicator table) is here, so that no format words a thing differently.
"""

from __future__ import annotations

import importlib
import zoneinfo
from datetime import date

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

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


def span(since: str, until: str) -> str:
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
    return _("%(count)s further sensitive activities are counted above but not listed.") % {"count": count}
