"""Growth of the permission matrix's data set for the query budget (`tests/test_query_budget.py`).

On top of the demo data's 2,000 activities, every list and every page of a record gets more than a page of rows:
copies of the data set's own records (each kind `N` times), so that what a page shows of one row it shows of many.
Copies are bulk-inserted: nothing here is a write of the portal's (no service, no audit entry).
"""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta

from django.utils import timezone

from projects import rollups

N = 120  # more than a page of every list (the longest page: 100 rows)


def _copies(instance, n: int = N, **vary):
    """`n` copies of a record, each with the fields of `vary` set to `vary[field](i)`, bulk-inserted."""
    rows = []
    for i in range(n):
        row = copy.copy(instance)
        row.pk = None
        row._state = copy.copy(instance._state)
        row._state.adding = True
        for name, value in vary.items():
            setattr(row, name, value(i))
        rows.append(row)
    return type(instance).objects.bulk_create(rows)


def _people(prefix: str, country, n: int = N):
    from projects.models import Person

    return Person.objects.bulk_create(
        [Person(name=f"{prefix} {i:04d}", country=country, organisation=None) for i in range(n)]
    )


@rollups.batch(everything=True)  # set-up data in bulk: the rollups rebuilt once, at the end
def grow(data) -> None:
    from django.contrib.auth import get_user_model

    from conferences.models import Attendance, BestPractice, Event, FeedbackResponse, Registration, Session
    from imobex.models import Barrier, Finding, Intervention, RoadMapVersion
    from operations.models import (
        ActivityAttachment,
        ActivityCountry,
        ActivityOfficer,
        ActivityPlace,
        Evaluation,
        JointActivity,
        Spoc,
    )
    from projects.models import (
        AuditEvent,
        BackgroundJob,
        Country,
        Deliverable,
        Milestone,
        Organisation,
        PersonContact,
        Project,
        Task,
    )
    from reporting.models import Notification

    today = timezone.localdate()
    athena = Project.objects.get(code="ATHENA2")
    countries = list(Country.objects.order_by("code"))
    ro = Country.objects.get(code="RO")

    # a workstream's tasks, milestones and deliverables
    for model, pk in ((Task, data.task), (Milestone, data.milestone), (Deliverable, data.deliverable)):
        original = model.objects.get(pk=pk)
        fields = {"title": lambda i, t=original.title: f"{t} ({i})"} if hasattr(original, "title") else {}
        _copies(original, **fields)

    # events, with sessions, registrations, attendance, feedback and good practices
    event = Event.objects.get(pk=data.event)
    _copies(event, title=lambda i: f"Growth workshop {i}", edition=lambda i: None)
    _copies(Session.objects.get(pk=data.session), n=40, title=lambda i: f"Session {i}")
    people = _people("Growth Participant", ro)
    PersonContact.objects.bulk_create(
        [PersonContact(person=p, project=athena, email=f"growth{i}@example.org") for i, p in enumerate(people)]
    )
    registrations = Registration.objects.bulk_create(
        [Registration(event=event, person=p, feedback_token=uuid.uuid4()) for p in people]
    )
    Attendance.objects.bulk_create(
        [Attendance(registration=r, day=event.start_date, present=True) for r in registrations]
    )
    template = FeedbackResponse.objects.filter(registration__event=event).first()
    if template is not None:
        FeedbackResponse.objects.bulk_create(
            [FeedbackResponse(**_values(template, registration=r)) for r in registrations]
        )
    practice = BestPractice.objects.filter(event=event).first() or BestPractice.objects.first()
    if practice is not None:
        _copies(practice, event=lambda i: event, title=lambda i: f"Growth practice {i}")

    # the activity's officers, places, countries, attachments, evaluations and meetings; more activities
    activity = JointActivity.objects.get(pk=data.activity)
    officers = _people("Growth Officer", ro, n=10)  # the edit form draws a row per officer (with its choices)
    ActivityOfficer.objects.bulk_create([ActivityOfficer(activity=activity, person=p, role="participant")
                                         for p in officers])  # fmt: skip
    existing = set(ActivityCountry.objects.filter(activity=activity).values_list("country", flat=True))
    ActivityCountry.objects.bulk_create(
        [ActivityCountry(activity=activity, country=c, officers_deployed=3) for c in countries if c.pk not in existing]
    )
    ActivityPlace.objects.bulk_create(
        [ActivityPlace(activity=activity, city=f"City {i}", country=ro) for i in range(N)]
    )
    attachment = ActivityAttachment.objects.get(pk=data.attachment)
    _copies(attachment, n=30)
    evaluated = set(Evaluation.objects.filter(activity=activity).values_list("country", flat=True))
    template = Evaluation.objects.first()
    if template is not None:
        Evaluation.objects.bulk_create(
            [Evaluation(**_values(template, activity=activity, country=c)) for c in countries if c.pk not in evaluated]
        )
    meeting = JointActivity.objects.filter(project=athena, type="bilateral_meeting").exclude(pk=activity.pk).first()
    if meeting is not None:
        _copies(meeting, n=30, reference=lambda i: f"GROWTH-MEETING-{i}", related_activity=lambda i: activity)
    activity.discussed_at.add(*Event.objects.filter(project=athena)[:30])

    # SPOCs
    agencies = list(Organisation.objects.filter(country=ro)[:1]) or list(Organisation.objects.all()[:1])
    spocs = _people("Growth SPOC", ro)
    Spoc.objects.bulk_create([Spoc(project=athena, person=p, country=ro, agency=agencies[0]) for p in spocs])

    # IMOBEX: findings, barriers with interventions, road-map versions
    finding = Finding.objects.get(pk=data.finding)
    for new in _copies(finding, title=lambda i: f"Growth finding {i}"):
        new.origin_countries.set(finding.origin_countries.all())
        new.action_countries.set(finding.action_countries.all())
        new.indicators.set(finding.indicators.all())
    barrier = Barrier.objects.get(pk=data.barrier)
    new_barriers = _copies(barrier, n=40, title=lambda i: f"Growth barrier {i}")
    intervention = Intervention.objects.get(pk=data.intervention)
    for b in new_barriers:
        _copies(intervention, n=3, barrier=lambda i, b=b: b)
    version = RoadMapVersion.objects.get(pk=data.version)
    _copies(version, n=30, number=lambda i: version.number + 1 + i)

    # jobs, notifications, the audit trail
    _copies(BackgroundJob.objects.get(pk=data.job), n=60, id=lambda i: uuid.uuid4())
    users = [u for u in data.users.values() if u is not None]
    for user in users:
        Notification.objects.bulk_create(
            [
                Notification(recipient=user, project=athena, kind="growth", title=f"Growth {i}", url="/")
                for i in range(N)
            ]
        )
    staff = data.users["staff"]
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                user=staff, username=staff.username, project=athena, project_code=athena.code, action="change",
                object_type="conferences.event", object_id=str(event.pk), object_repr=event.title,
                details={"growth": i}, at=timezone.now() - timedelta(minutes=i),
            )
            for i in range(N)
        ]
    )  # fmt: skip
    assert get_user_model().objects.exists() and today


def _values(instance, **overrides) -> dict:
    """The concrete field values of a record (no pk), with some replaced: to build a copy of another class."""
    values = {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if not f.primary_key and f.attname not in {f"{k}_id" for k in overrides}
    }
    return values | overrides
