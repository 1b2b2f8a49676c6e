"""The progress report as PDF (WeasyPrint): the HTML of `reporting/report/document.html`, styled by
`reporting/report.css`, the burn-up charts as SVG images. The preview page shows the same body (`html_context`)."""

from __future__ import annotations

import base64

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from ..content import SECTIONS
from . import charts, cover_lines, glance, indicator_columns, section_titles

STYLESHEET = "reporting/report.css"


def html_context(content: dict, sections: tuple[str, ...] = SECTIONS) -> dict:
    """What the report's HTML shows of `sections`, from its content (which holds at least what they need): the
    charts drawn (as data: URIs, which the Content Security Policy of the preview allows), the summary's short
    lists, the shared labels."""
    drawn = []
    if "summary" in sections or "indicators" in sections:
        for row in content["indicators"]:
            svg = charts.burnup_svg(row) if row.get("series") else ""
            if svg:
                uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
                drawn.append({"key": row["key"], "label": row["label"], "unit": row["unit"], "uri": uri,
                              "by_country": row["by_country"]})  # fmt: skip
    return {
        "content": content,
        "sections": sections,
        "titles": section_titles(),
        "cover_lines": cover_lines(content) if "cover" in content else [],
        "indicator_columns": indicator_columns(),
        "charts": drawn,
        **glance(content),
    }


def render_pdf(content: dict) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string("reporting/report/document.html", {"body": html_context(content)})  # every section
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=finders.find(STYLESHEET))])
