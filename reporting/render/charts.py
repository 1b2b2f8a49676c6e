"""The burn-up chart of an indicator, drawn once with matplotlib for every format that embeds an image: SVG inlined
in the PDF's HTML, PNG in the DOCX.

Each call builds its own `Figure` on its own canvas (no pyplot, no shared current figure), so report jobs may draw
in parallel threads. Text is drawn as paths in DejaVu Sans (matplotlib's own font), so WeasyPrint and Word show the
chart exactly as drawn, whatever fonts the reader's machine has. The same indicator gives the same bytes: a report
rendered again from a stored version is identical.
"""

from __future__ import annotations

import io
import math
import re
from datetime import date

import matplotlib
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# The SVG backend names its clip paths and glyphs by a hash salted with this setting, or with a random salt when it
# is unset. It is read at every save, so it is set once here (a constant: no thread ever changes it).
matplotlib.rcParams["svg.hashsalt"] = "selec-burnup"
matplotlib.rcParams["svg.fonttype"] = "path"

CM = 1 / 2.54
SIZE = (16 * CM, 6 * CM)  # inches
MAX_TICKS = 8
# Dark enough on white for text and thin lines (contrast >= 4.5:1), and told apart by line style as well as colour.
ACHIEVED = "#0a58ca"
TARGET_LINE = "#555e66"
TARGET = "#a61e2d"
TEXT = "#212529"
GRID = "#dee2e6"


def burnup_svg(indicator: dict) -> str:
    """The chart as an SVG element to inline in HTML (no XML declaration), with a <title> for screen readers."""
    figure = _figure(indicator)
    if figure is None:
        return ""
    buffer = io.BytesIO()
    FigureCanvasSVG(figure).print_figure(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    title = escape(chart_title(indicator))
    return re.sub(r"<svg\b([^>]*)>", rf'<svg\1 role="img"><title>{title}</title>', svg, count=1).strip() + "\n"


def burnup_png(indicator: dict, *, dpi: int = 200) -> bytes:
    """The chart as a PNG image of 16 x 6 cm at `dpi` (written in the file, so Word places it at that size)."""
    figure = _figure(indicator)
    if figure is None:
        return b""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_figure(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def chart_title(indicator: dict) -> str:
    """What the chart shows, in one sentence (the SVG's <title>; the DOCX's picture description)."""
    series = indicator["series"] or {}
    pairs = zip(series.get("labels", []), series.get("achieved", []), strict=True)
    achieved = [(label, value) for label, value in pairs if value is not None]
    values = {"label": indicator["label"], "target": indicator["target"], "unit": indicator["unit"]}
    if not achieved:
        return _("%(label)s: burn-up towards the target of %(target)s %(unit)s") % values
    label, value = achieved[-1]
    return _("%(label)s: %(value)s of %(target)s %(unit)s reached by %(month)s") % {
        **values,
        "value": value,
        "month": month_label(label),
    }


def month_label(label: str) -> str:
    """ "2025-03" as the charts write it: "Mar 2025"."""
    year, month = label.split("-")[:2]
    return date_format(date(int(year), int(month), 1), "M Y")


def _figure(indicator: dict) -> Figure | None:
    series = indicator.get("series")
    if not series or not series.get("labels"):
        return None
    labels = series["labels"]
    positions = list(range(len(labels)))
    achieved = list(series["achieved"])
    while achieved and achieved[-1] is None:
        achieved.pop()

    figure = Figure(figsize=SIZE, layout="constrained")
    axes = figure.add_subplot()
    if indicator["target"]:
        axes.axhline(indicator["target"], color=TARGET, linewidth=1, label=_("Target (%(target)s)") % indicator)
    axes.plot(positions, series["target_line"], color=TARGET_LINE, linewidth=1.2, linestyle=(0, (5, 3)),
              label=_("Straight line to the target"))  # fmt: skip
    if achieved:
        axes.plot(positions[: len(achieved)], [math.nan if v is None else v for v in achieved], color=ACHIEVED,
                  linewidth=1.8, marker="o", markersize=3, label=_("Achieved"))  # fmt: skip

    step = max(1, math.ceil(len(labels) / MAX_TICKS))
    axes.set_xticks(positions[::step], [month_label(label) for label in labels[::step]])
    axes.set_xlim(-0.5, len(labels) - 0.5)
    axes.set_ylim(bottom=0, top=max([indicator["target"] or 0, *[v for v in achieved if v is not None], 1]) * 1.08)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.set_ylabel(indicator["unit"], color=TEXT, fontsize=7)
    axes.tick_params(labelsize=7, colors=TEXT, length=2)
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1), ncol=3, fontsize=7, frameon=False, borderaxespad=0.2)
    return figure
