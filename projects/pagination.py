"""Paging of list pages, the same everywhere: a page number that is not a positive whole number gives the first page.

Django's `Paginator.get_page` turns `?page=0` or `?page=-1` into the last page (an "empty" page, like one past the
end); a user who typed or followed such a link expects the beginning of the list.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator


def page_of(object_list, number: str | None, per_page: int) -> Page:
    """The page asked for: the first one for a missing, non-numeric, zero or negative number; the last one for a
    number past the end."""
    try:
        wanted = int(number or 1)
    except (TypeError, ValueError):
        wanted = 1
    return Paginator(object_list, per_page).get_page(max(wanted, 1))
