"""Two transactions writing the same project and month at once end with the rollups in step, without a deadlock:
the second waits on the advisory lock of the cells until the first commits, then recomputes from what it sees."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, transaction

from operations.models import ActivityOfficer, JointActivity
from projects import rollups
from projects.models import Country, Person, Project
from projects.registry import registry


def _write(project_id: int, reference: str, person_id: int) -> None:
    activity = JointActivity.objects.create(
        project_id=project_id, type="joint_patrol", title=reference, reference=reference,
        lead_country=Country.objects.get(code="RO"), start_date=date(2025, 3, 1), end_date=date(2025, 3, 5),
        status="completed", validation_state="validated", version=1,
    )  # fmt: skip
    ActivityOfficer.objects.create(activity=activity, person_id=person_id, role="spoc")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_writers_of_the_same_month_end_in_step(selec):
    athena = Project.objects.get(code="ATHENA2")
    person = Person.objects.create(name="Ana Pop", country=Country.objects.get(code="RO"))
    first_wrote = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                _write(athena.pk, "C-1", person.pk)
                first_wrote.set()
                threading.Event().wait(0.5)  # the second writer is now waiting on the cells' lock
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def second() -> None:
        try:
            assert first_wrote.wait(timeout=20)
            with transaction.atomic():
                _write(athena.pk, "C-2", person.pk)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert rollups.check() == []
    assert registry.metric("joint_patrols").values([athena.pk])[athena.pk] == 2
    assert registry.metric("officers_involved").values([athena.pk])[athena.pk] == 1
