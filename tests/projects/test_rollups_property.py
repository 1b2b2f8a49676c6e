"""Random sequences of writes (create, edit, validate, reopen, delete activities, officers, an import of
participants, attendance, an event held or not) leave the rollups equal to a recomputation from scratch after every
step (the `rollups --check` logic)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conferences.models import Attendance, Event, Registration
from operations.models import ActivityOfficer, JointActivity
from projects import rollups
from projects.models import Country, Person
from tests.conferences.conftest import make_event

DAYS = [date(2025, 1, 31), date(2025, 2, 1), date(2025, 2, 14), date(2025, 3, 3), None]
TYPES = ["joint_patrol", "joint_operation"]

index = st.integers(min_value=0, max_value=5)
STEPS = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(TYPES), st.sampled_from(DAYS), st.booleans(), st.booleans()),
    st.tuples(st.just("edit"), index, st.sampled_from(DAYS), st.sampled_from(TYPES), st.booleans()),
    st.tuples(st.just("validate"), index),
    st.tuples(st.just("reopen"), index),
    st.tuples(st.just("delete"), index),
    st.tuples(st.just("officer"), index, index),
    st.tuples(st.just("import"), st.lists(index, max_size=4, unique=True)),
    st.tuples(st.just("attendance"), index, st.booleans()),
    st.tuples(st.just("held"), st.booleans()),
)


class World:
    """The records a sequence of steps writes to."""

    def __init__(self, athena) -> None:
        self.athena = athena
        self.ro = Country.objects.get(code="RO")
        countries = list(Country.objects.order_by("code")[:3])
        self.people = [Person.objects.create(name=f"Person {i}", country=countries[i % 3]) for i in range(6)]
        self.event = make_event(athena, start_date=date(2025, 2, 3), status=Event.Status.HELD)

    def activity(self, i: int) -> JointActivity | None:
        activities = list(JointActivity.objects.filter(project=self.athena).order_by("pk"))
        return activities[i % len(activities)] if activities else None

    def apply(self, step) -> None:
        kind, *args = step
        if kind == "create":
            type_, end, sensitive, validated = args
            JointActivity.objects.create(
                project=self.athena, type=type_, title="A", reference=f"P-{JointActivity.objects.count()}",
                lead_country=self.ro, start_date=date(2025, 1, 1), end_date=end,
                status="completed" if end else "ongoing", validation_state="validated" if validated else "draft",
                is_sensitive=sensitive, version=1,
            )  # fmt: skip
        elif kind in ("edit", "validate", "reopen", "delete"):
            activity = self.activity(args[0])
            if activity is None:
                return
            if kind == "edit":
                activity.end_date, activity.type, activity.is_sensitive = args[1], args[2], args[3]
                activity.status = "completed" if args[1] else "ongoing"
                activity.save()
            elif kind == "validate":
                activity.validation_state = "validated"
                activity.save()
            elif kind == "reopen":
                activity.validation_state = "returned"
                activity.save()
            else:
                activity.delete()
        elif kind == "officer":
            activity = self.activity(args[0])
            if activity is not None:
                ActivityOfficer.objects.get_or_create(activity=activity, person=self.people[args[1]])
        elif kind == "import":
            registered = set(Registration.objects.filter(event=self.event).values_list("person_id", flat=True))
            new = [self.people[i] for i in args[0] if self.people[i].pk not in registered]
            created = Registration.objects.bulk_create([Registration(event=self.event, person=p) for p in new])
            Attendance.objects.bulk_create([Attendance(registration=r, day=date(2025, 2, 3)) for r in created[::2]])
        elif kind == "attendance":
            registration = Registration.objects.filter(event=self.event, person=self.people[args[0]]).first()
            if registration is None:
                return
            if args[1]:
                Attendance.objects.get_or_create(registration=registration, day=date(2025, 2, 3))
            else:
                Attendance.objects.filter(registration=registration).delete()
        elif kind == "held":
            self.event.status = Event.Status.HELD if args[0] else Event.Status.CANCELLED
            self.event.save()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEPS, min_size=1, max_size=6))
def test_random_writes_leave_the_rollups_equal_to_a_recomputation(athena, steps):
    with transaction.atomic():
        world = World(athena)
        assert rollups.check() == []
        for step in steps:
            world.apply(step)
            assert rollups.check() == [], step
        assert rollups.check_reads(at=(None, date(2025, 2, 28))) == []
        transaction.set_rollback(True)
