"""The API forgets what it keeps only for a while: idempotent answers after a day, sync tombstones after their
retention (beat runs the purge nightly)."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from api.models import IdempotentRequest, Tombstone
from api.tasks import api_purge

pytestmark = pytest.mark.django_db


@override_settings(PORTAL_API_SYNC_DAYS=30)
def test_old_answers_and_tombstones_are_forgotten_recent_ones_kept(staff, athena):
    now = timezone.now()
    old_key = IdempotentRequest.objects.create(
        user=staff, key="old", fingerprint="x", created_at=now - timedelta(hours=25)
    )
    new_key = IdempotentRequest.objects.create(
        user=staff, key="new", fingerprint="x", created_at=now - timedelta(hours=23)
    )
    old = Tombstone.objects.create(kind="activity", object_id=1, project=athena, at=now - timedelta(days=31))
    new = Tombstone.objects.create(kind="activity", object_id=2, project=athena, at=now - timedelta(days=29))

    assert api_purge.apply().get() == {"idempotent requests": 1, "tombstones": 1}

    assert set(IdempotentRequest.objects.all()) == {new_key} and old_key.pk not in IdempotentRequest.objects.values(
        "pk"
    )
    assert set(Tombstone.objects.all()) == {new} and not Tombstone.objects.filter(pk=old.pk).exists()


def test_beat_runs_the_purge_nightly():
    task = PeriodicTask.objects.get(task="api.tasks.api_purge")
    assert task.enabled and task.crontab is not None and task.crontab.hour == "3"
