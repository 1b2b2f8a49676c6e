"""What a progress report says about the records an app held in a period, workstream by workstream: the apps'
`WorkstreamSummary` contributions build it with `held_summary`, in two queries whatever the number of records."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _


def held_summary(
    records: QuerySet,
    *,
    type_field: str,
    type_labels: Mapping[str, str],
    country_field: str,
    line: Callable[[object], str],
    sensitive: str = "",
    count_sensitive: bool,
    name_sensitive: bool,
    related: tuple[str, ...] = (),
) -> dict:
    """{workstream id or None: {"total", "by_type", "by_country", "lines", "withheld"}} of `records` (held in the
    period), counted by type and country, one line each (`line(record)`, in date order). `sensitive` is the path to the
    records' sensitivity flag: a sensitive record counts only when `count_sensitive` and is listed only when
    `name_sensitive`; one that counts but may not be listed adds to `withheld`."""
    counted = records if count_sensitive or not sensitive else records.filter(**{sensitive: False})
    listed = counted if name_sensitive or not sensitive else counted.filter(**{sensitive: False})
    result: dict = defaultdict(lambda: {"total": 0, "by_type": Counter(), "by_country": Counter(), "lines": []})
    groups = counted.order_by().values_list("workstream_id", type_field, f"{country_field}__name")
    for workstream, kind, country, n in groups.annotate(n=Count("pk")):  # one row per workstream, type and country
        entry = result[workstream]
        entry["total"] += n
        entry["by_type"][str(type_labels.get(kind, kind))] += n
        entry["by_country"][country or str(_("No country (online)"))] += n
    for record in listed.select_related(*related).order_by("start_date", "pk"):
        result[record.workstream_id]["lines"].append(line(record))
    for entry in result.values():
        for split in ("by_type", "by_country"):
            entry[split] = [[name, n] for name, n in sorted(entry[split].items(), key=lambda kv: (-kv[1], kv[0]))]
        entry["withheld"] = entry["total"] - len(entry["lines"])
    return dict(result)


def date_span(start, end) -> str:
    """ "3–5 Mar 2025", "30 Mar – 2 Apr 2025" or "1 Mar 2025" for a record's days."""
    if not end or end == start:
        return f"{start:%-d %b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%-d}–{end:%-d %b %Y}"
    if start.year == end.year:
        return f"{start:%-d %b} – {end:%-d %b %Y}"
    return f"{start:%-d %b %Y} – {end:%-d %b %Y}"
