from datetime import date

from projects.models import Task
from projects.registry import registry


def test_open_workstream_tasks_are_due_and_overdue_items(athena, staff):
    ws = athena.workstreams.get(number=1)
    Task.objects.create(workstream=ws, title="Book the venue", owner=staff, due_date=date(2026, 5, 1))
    Task.objects.create(
        workstream=ws, title="Send invitations", owner=staff, due_date=date(2026, 4, 1), status="done",
        completed_on=date(2026, 3, 30),
    )  # fmt: skip
    items = [i for i in registry.timeline.items([athena.pk], open_only=True) if i.kind == "task"]
    assert [(i.title, i.date) for i in items] == [("Book the venue", date(2026, 5, 1))]
    assert items[0].overdue_on(date(2026, 5, 2)) and not items[0].overdue_on(date(2026, 5, 1))
    assert items[0].url == "/projects/ATHENA2/workstreams/1/"
