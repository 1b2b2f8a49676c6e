"""Paging of list pages, the same everywhere.

- A page number that is not a positive whole number gives the first page: Django's `Paginator.get_page` turns
  `?page=0` or `?page=-1` into the last page (an "empty" page, like one past the end); a user who typed or followed
  such a link expects the beginning of the list.
- The count stays cheap however long the list: it counts at most `COUNT_CAP` rows (`SELECT COUNT(*) FROM (SELECT
  ... LIMIT n)`), and a longer list says "10,000+" (`page.paginator.count_label`), with its pages up to the cap.
  Every filter and ordering a list offers has an index (the models' `Meta.indexes`), so the count and the page's
  slice read an index range, not the table.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.utils.formats import number_format
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator whose count reads at most `cap` + 1 rows."""

    def __init__(self, object_list, per_page, *, cap: int = COUNT_CAP, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        object_list = self.object_list
        if hasattr(object_list, "query"):  # a queryset: count a bounded subquery of its keys alone
            return object_list.order_by().values("pk")[: self.cap + 1].count()
        return min(len(object_list), self.cap + 1)

    @property
    def capped(self) -> bool:
        """True when the list is longer than the cap (its count is not known exactly)."""
        return self._counted > self.cap

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def count_label(self) -> str:
        label = number_format(self.count, force_grouping=True)
        return f"{label}+" if self.capped else label


def page_of(object_list, number: str | None, per_page: int, *, cap: int = COUNT_CAP) -> Page:
    """The page asked for: the first one for a missing, non-numeric, zero or negative number; the last one for a
    number past the end (or past the cap)."""
    try:
        wanted = int(number or 1)
    except (TypeError, ValueError):
        wanted = 1
    return CappedPaginator(object_list, per_page, cap=cap).get_page(max(wanted, 1))
