"""The admin's date drill-down (`date_hierarchy`) at any size.

Django lists the years (months, days) that hold records with `SELECT DISTINCT DATE_TRUNC(...)` over every matching
row: a full scan of the table at 100,000 rows. Here the candidate periods are the few between the first and the last
date (two index probes), and one query asks each of them for one record (`LIMIT 1` per period, on the field's
index), so the list shows exactly the periods that hold records in a bounded number of index reads.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from django.contrib.admin.views.main import ChangeList
from django.db import connections
from django.db.models import DateField, DateTimeField, Max, Min, Value
from django.utils import timezone

MAX_PERIODS = 400  # beyond this (a century of years, say), Django's own query


def _starts(first: date, last: date, kind: str) -> list[date]:
    """The first day of every year, month or day from `first` to `last`."""
    if kind == "year":
        return [date(year, 1, 1) for year in range(first.year, last.year + 1)]
    if kind == "month":
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        index = [first.month - 1 + i for i in range(months)]
        return [date(first.year + n // 12, n % 12 + 1, 1) for n in index]
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _next(start: date, kind: str) -> date:
    if kind == "year":
        return date(start.year + 1, 1, 1)
    if kind == "month":
        return start + timedelta(days=calendar.monthrange(start.year, start.month)[1])
    return start + timedelta(days=1)


class BoundedDatesMixin:
    """`dates()` and `datetimes()` by probing each candidate period (see the module's docstring)."""

    def _periods(self, field_name: str, kind: str, aware: bool) -> list[date] | None:
        features = connections[self.db].features
        if kind not in ("year", "month", "day") or not features.supports_slicing_ordering_in_compound:
            return None
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        first, last = bounds["first"], bounds["last"]
        if aware:
            first, last = timezone.localtime(first).date(), timezone.localtime(last).date()
        starts = _starts(first, last, kind)
        if len(starts) > MAX_PERIODS:
            return None
        parts = []
        for start in starts:
            lower, upper = start, _next(start, kind)
            if aware:
                zone = timezone.get_current_timezone()
                lower = timezone.make_aware(datetime.combine(lower, datetime.min.time()), zone)
                upper = timezone.make_aware(datetime.combine(upper, datetime.min.time()), zone)
            probe = self.order_by().filter(**{f"{field_name}__gte": lower, f"{field_name}__lt": upper})
            parts.append(probe.values(period=Value(start, output_field=DateField()))[:1])
        union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        return sorted(row["period"] for row in union)

    def dates(self, field_name, kind, order="ASC"):
        periods = self._periods(field_name, kind, aware=False)
        if periods is None:
            return super().dates(field_name, kind, order)
        return periods[::-1] if order == "DESC" else periods

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        periods = self._periods(field_name, kind, aware=True) if tzinfo is None else None
        if periods is None:
            return super().datetimes(field_name, kind, order, tzinfo)
        zone = timezone.get_current_timezone()
        moments = [timezone.make_aware(datetime.combine(day, datetime.min.time()), zone) for day in periods]
        return moments[::-1] if order == "DESC" else moments


_bounded: dict[type, type] = {}


def bounded_dates(queryset):
    """The same queryset, whose `dates()`/`datetimes()` are the bounded ones (its clones keep them)."""
    cls = queryset.__class__
    if cls not in _bounded:
        _bounded[cls] = type(f"BoundedDates{cls.__name__}", (BoundedDatesMixin, cls), {})
    clone = queryset._chain()
    clone.__class__ = _bounded[cls]
    return clone


class BoundedDatesChangeList(ChangeList):
    """The changelist whose date drill-down reads a bounded number of index entries."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if not self.date_hierarchy:
            return queryset
        field = self.model._meta.get_field(self.date_hierarchy)
        return bounded_dates(queryset) if isinstance(field, (DateField, DateTimeField)) else queryset
