"""On PostgreSQL the timeline reads each source per project (`LATERAL`, for the indexes); it must list and count
exactly what the plain UNION over all the projects lists and counts (the path SQLite takes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from projects.registry import TimelineQuery, registry
from projects.registry import timeline as timeline_module


@pytest.fixture
def activities(make_activity, selec):
    """Open, overdue, due and sensitive activities in two projects (ATHENA 2 and IMOBEX)."""
    today = timezone.localdate()
    for project in (selec["ATHENA2"], selec["IMOBEX"]):
        for days, status, sensitive in [
            (-40, "completed", False),  # its evaluation overdue
            (-45, "completed", True),  # the same, sensitive
            (-3, "ongoing", False),  # ended and not closed: overdue
            (-2, "ongoing", True),
            (4, "planned", False),  # starting soon
            (9, "planned", True),
            (12, "ongoing", False),  # ending soon
        ]:
            start = today + timedelta(days=min(days, 0) - 10 if days < 0 else days)
            end = today + timedelta(days=days) if days < 0 or status == "ongoing" else None
            if status == "ongoing" and days > 0:
                start = today - timedelta(days=2)
            make_activity(project=project, status=status, start=start, end=end, is_sensitive=sensitive)
    return [selec["ATHENA2"].pk, selec["IMOBEX"].pk]


def _page(project_ids, query, lateral: bool, monkeypatch):
    monkeypatch.setattr(timeline_module, "uses_lateral", lambda connection: lateral)
    return registry.timeline.page(project_ids, query)


@pytest.mark.parametrize("include", [True, False, "athena only"], ids=["sees-all", "sees-none", "sees-athena"])
@pytest.mark.parametrize("window", ["overdue", "upcoming", "everything"])
@pytest.mark.parametrize("offset", [0, 3])
def test_lateral_lists_and_counts_what_the_union_does(activities, monkeypatch, include, window, offset):
    today = timezone.localdate()
    included = {activities[0]} if include == "athena only" else include
    shape = {
        "overdue": {"overdue": True},
        "upcoming": {"open_only": True, "overdue": False, "until": today + timedelta(days=30)},
        "everything": {},
    }[window]
    query = TimelineQuery(today=today, limit=5, offset=offset, include_sensitive=included, **shape)
    lateral = _page(activities, query, True, monkeypatch)
    union = _page(activities, query, False, monkeypatch)
    assert lateral.counts == union.counts
    assert lateral.by_source == union.by_source
    assert [(i.kind, i.title, i.date, i.project_id) for i in lateral.items] == [
        (i.kind, i.title, i.date, i.project_id) for i in union.items
    ]
    assert union.total > 0 and lateral.items  # the data set gives every list something to compare
