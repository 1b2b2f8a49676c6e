"""`JointActivity.has_evaluation` follows every write of its evaluations, so "evaluations due" is an indexed filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from operations import services
from operations.models import Evaluation, JointActivity
from operations.timeline import EVALUATION_DAYS
from projects.registry import TimelineQuery, registry


def _evaluate(activity, country, user, rating=4) -> Evaluation:
    return services.evaluation_save(
        evaluation=Evaluation(activity=activity, country=country, objectives_met="met", rating=rating), user=user
    )


def _flag(activity) -> bool:
    return JointActivity.objects.values_list("has_evaluation", flat=True).get(pk=activity.pk)


def test_an_activity_is_not_evaluated_until_a_country_evaluates_it(make_activity, staff, country):
    activity = make_activity(status="completed")
    assert _flag(activity) is False
    _evaluate(activity, country("RO"), staff)
    assert _flag(activity) is True


def test_deleting_the_last_evaluation_makes_the_evaluation_due_again(make_activity, staff, country):
    activity = make_activity(status="completed")
    first = _evaluate(activity, country("RO"), staff)
    second = _evaluate(activity, country("BG"), staff)
    first.delete()
    assert _flag(activity) is True  # Bulgaria's evaluation is still there
    second.delete()
    assert _flag(activity) is False


def test_moving_an_evaluation_to_another_activity_updates_both(make_activity, staff, country):
    one, other = make_activity(status="completed"), make_activity(status="completed")
    evaluation = _evaluate(one, country("RO"), staff)
    evaluation.activity = other
    evaluation.save()
    assert (_flag(one), _flag(other)) == (False, True)


def test_a_queryset_delete_of_evaluations_clears_the_flag(make_activity, staff, country):
    activity = make_activity(status="completed")
    _evaluate(activity, country("RO"), staff)
    Evaluation.objects.filter(activity=activity).delete()  # the admin's bulk delete action takes this path
    assert _flag(activity) is False


@pytest.mark.parametrize("evaluated", [False, True])
def test_the_overdue_list_names_an_evaluation_due_only_while_none_exists(
    make_activity, staff, country, athena, evaluated
):
    today = timezone.localdate()
    activity = make_activity(status="completed", start=today - timedelta(days=90), end=today - timedelta(days=60))
    if evaluated:
        _evaluate(activity, country("RO"), staff)
    page = registry.timeline.page(
        [athena.pk], TimelineQuery(today=today, overdue=True, limit=20), kinds=["activity_evaluation"]
    )
    assert page.by_source["activity_evaluation"] == (0 if evaluated else 1)
    due = activity.end_date + timedelta(days=EVALUATION_DAYS)
    assert [item.date for item in page.items] == ([] if evaluated else [due])


@pytest.mark.django_db
def test_the_demo_seed_sets_every_flag_from_the_evaluations():
    from django.core.management import call_command

    call_command("load_selec", verbosity=0)
    call_command("seed_demo", activities=120, force=True, verbosity=0)
    evaluated = Exists(Evaluation.objects.filter(activity=OuterRef("pk")))
    wrong = JointActivity.objects.annotate(truth=evaluated).exclude(has_evaluation=F("truth"))
    assert JointActivity.objects.filter(has_evaluation=True).exists()
    assert not wrong.exists()
