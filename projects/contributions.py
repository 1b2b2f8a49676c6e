"""Everything the core adds to the portal through its own registry: the metrics of the plan (deliverables,
milestones) and of people counted once across apps, the plan's items on the timeline, the timeline tab and the
demo accounts."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import demo
from .access import Action
from .models import Country, Deliverable, Milestone, Organisation, Task
from .pickers import organisation_label, user_label
from .queries import project_members
from .registry import (
    Breakdown,
    Contributions,
    Metric,
    PeopleMetric,
    Picker,
    Section,
    Seeder,
    TimelineItem,
    TimelineSource,
)

BY_WORKSTREAM = Breakdown("workstream", _("By workstream"), field="workstream__number", labels=lambda n: f"WS{n}")


def _workstream_url(row) -> str:
    return reverse("projects:project-detail", kwargs={"code": row.project_code}) + f"#ws-{row.a}"


def _work_item(kind: str, label, model, done_url=_workstream_url):
    labels = dict(model.Status.choices)

    def item(row) -> TimelineItem:
        return TimelineItem(
            project_id=row.project_id,
            kind=kind,
            kind_label=label,
            title=row.title,
            date=row.date,
            done=row.done,
            status=labels.get(row.status, row.status),
            url=done_url(row),
        )

    return item


def _task_url(row) -> str:
    return reverse("projects:workstream-detail", kwargs={"code": row.project_code, "number": row.a})


# Metrics marked `offered` are no reference indicator's (DOMAIN.md sets no target for them): they are offered to
# admins for the indicators they add, and the system check accepts them unused.
CONTRIBUTIONS = Contributions(
    metrics=[
        Metric(
            key="deliverables_done",
            label=_("Deliverables approved"),
            records=lambda: Deliverable.objects.filter(status__in=Deliverable.DONE_STATUSES),
            project="workstream__project",
            date="delivered_on",
            breakdowns=[BY_WORKSTREAM],
            offered=True,
        ),
        Metric(
            key="milestones_reached",
            label=_("Milestones reached"),
            records=lambda: Milestone.objects.filter(status=Milestone.Status.REACHED),
            project="workstream__project",
            date="reached_on",
            breakdowns=[BY_WORKSTREAM],
            offered=True,
        ),
        # People counted once across every app's people sources (officers in joint activities, attendees of
        # workshops and trainings): the person is the core's, so is the count.
        PeopleMetric(
            key="officers_involved",
            label=_("Officers involved (people, counted once)"),
            breakdowns=[Breakdown("country", _("By country"), field="country__code")],  # the person's country
        ),
    ],
    timeline=[
        TimelineSource(
            key="milestone",
            label=_("Milestones"),
            records=Milestone.objects.all,
            project="workstream__project",
            open=lambda today: Q(status=Milestone.Status.PENDING),
            extra=("workstream__number",),
            item=_work_item("milestone", _("Milestone"), Milestone),
        ),
        TimelineSource(
            key="deliverable",
            label=_("Deliverables"),
            records=Deliverable.objects.all,
            project="workstream__project",
            open=lambda today: ~Q(status__in=Deliverable.DONE_STATUSES),
            extra=("workstream__number",),
            item=_work_item("deliverable", _("Deliverable"), Deliverable),
        ),
        TimelineSource(
            key="task",
            label=_("Tasks"),
            records=Task.objects.all,
            project="workstream__project",
            open=lambda today: ~Q(status=Task.Status.DONE),
            extra=("workstream__number",),
            item=_work_item("task", _("Task"), Task, _task_url),
        ),
    ],
    sections=[Section("timeline", label=_("Timeline"), url_name="projects:timeline", order=90)],
    seeders=[Seeder(demo.seed_core, order=0)],
    pickers=[
        # Reference data every signed-in user already chooses from (their profile's organisation).
        Picker(
            key="organisations",
            records=lambda project: Organisation.objects.select_related("country"),
            search=("name", "acronym"),
            text=organisation_label,
            order=("name", "pk"),
            scoped=False,
        ),
        # The countries (a fixed list of about forty): found from one letter, or by their ISO code ("RO").
        Picker(
            key="countries",
            records=lambda project: Country.objects.all(),
            search=("name", "code"),
            text=str,
            order=("name", "pk"),
            scoped=False,
            min_chars=1,
        ),
        # Who may own a task or be responsible for a country: the project's members, for those who edit it.
        Picker(
            key="members",
            records=project_members,
            search=("username", "first_name", "last_name"),
            text=user_label,
            order=("first_name", "last_name", "username", "pk"),
            action=Action.EDIT,
        ),
    ],
)
