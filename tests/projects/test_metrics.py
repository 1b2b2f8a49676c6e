from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured

from projects.models import Deliverable, Indicator, Milestone
from projects.queries import indicator_progress
from projects.registry import Contributions, Metric, Registry, registry


def test_the_core_registers_its_own_metrics():
    assert registry.metric("deliverables_done") is not None
    assert registry.metric("milestones_reached") is not None


def test_a_metric_key_cannot_be_taken_twice_by_different_code():
    reg = Registry()
    reg.register("one", Contributions(metrics=[Metric(key="x", label="X", compute=lambda ids, until: {})]))
    with pytest.raises(ImproperlyConfigured):
        reg.register("two", Contributions(metrics=[Metric(key="x", label="X again", compute=lambda ids, until: {})]))


def test_indicators_without_a_registered_metric_are_not_measured(athena):
    # The operations app is what measures joint patrols; the core alone reports "not measured", never a false 0.
    indicator = Indicator.objects.create(project=athena, key="made_up", label="Made up", target=5, metric="unknown")
    progress = {p.key: p for p in indicator_progress([athena])[athena.pk]}
    assert progress[indicator.key].achieved is None
    assert not progress[indicator.key].measured


def test_core_metrics_count_approved_deliverables_and_reached_milestones(athena, imobex):
    Indicator.objects.create(project=athena, key="deliverables", label="D", target=4, metric="deliverables_done")
    Indicator.objects.create(project=athena, key="milestones", label="M", target=4, metric="milestones_reached")
    Indicator.objects.create(project=imobex, key="deliverables", label="D", target=4, metric="deliverables_done")
    ws = athena.workstreams.get(number=1)
    Deliverable.objects.create(
        workstream=ws, title="a", due_date=date(2025, 3, 1), status="approved", delivered_on=date(2025, 3, 1)
    )
    Deliverable.objects.create(
        workstream=ws, title="b", due_date=date(2025, 3, 1), status="approved", delivered_on=date(2025, 6, 1)
    )
    Deliverable.objects.create(
        workstream=ws, title="c", due_date=date(2025, 3, 1), status="submitted", delivered_on=date(2025, 3, 1)
    )
    Milestone.objects.create(
        workstream=ws, title="m", due_date=date(2025, 3, 1), status="reached", reached_on=date(2025, 3, 2)
    )

    progress = indicator_progress([athena, imobex])
    athena_values = {p.key: p.achieved for p in progress[athena.pk]}
    assert athena_values["deliverables"] == 2
    assert athena_values["milestones"] == 1
    assert {p.key: p.achieved for p in progress[imobex.pk]}["deliverables"] == 0

    until_april = {p.key: p.achieved for p in indicator_progress([athena], until=date(2025, 4, 1))[athena.pk]}
    assert until_april["deliverables"] == 1


def test_percent_is_achieved_over_target(athena):
    Indicator.objects.create(project=athena, key="m", label="M", target=4, metric="milestones_reached")
    ws = athena.workstreams.get(number=1)
    for n in range(5):
        Milestone.objects.create(
            workstream=ws, title=f"m{n}", due_date=date(2025, 3, 1), status="reached", reached_on=date(2025, 3, 1)
        )
    item = {p.key: p for p in indicator_progress([athena])[athena.pk]}["m"]
    assert (item.achieved, item.percent, item.bar_percent) == (5, 125, 100)
