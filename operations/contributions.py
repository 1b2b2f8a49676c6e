"""Everything the operations app adds to the portal: the ATHENA 2 activity counts, the officers of joint
activities among the people counted once, activities on the timeline and in reminders, its tabs, its block on
workshop and meeting pages, and its demo data."""

from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from conferences.models import Event
from projects.access import Action
from projects.held import date_span, held_summary
from projects.models import Person
from projects.pickers import person_label
from projects.registry import (
    Breakdown,
    Contributions,
    DetailPanel,
    Metric,
    PeopleSource,
    Picker,
    ReportSection,
    Section,
    Seeder,
    WorkstreamSummary,
)

from . import demo, reminders, timeline
from .models import OPERATIONS_PROJECTS, ActivityOfficer, ActivityType, JointActivity, OfficerRole
from .queries import related_candidates

BY_LEAD_COUNTRY = Breakdown("country", _("By lead country"), field="lead_country__code")


def _activities(activity_type: str | None = None):
    """The activities that count toward the targets (of one type); sensitive ones count in the unfiltered totals
    (`sensitive="is_sensitive"` leaves them out of the rest for those who may not see them)."""

    def records():
        qs = JointActivity.objects.counted()
        return qs if activity_type is None else qs.filter(type=activity_type)

    return records


def _activity_metric(key: str, label, activity_type: str | None, *extra: Breakdown) -> Metric:
    """An activity counts in the month of its end date; the count of every type is offered for admins' indicators."""
    return Metric(
        key=key,
        label=label,
        records=_activities(activity_type),
        date="end_date",
        breakdowns=[BY_LEAD_COUNTRY, *extra],
        sensitive="is_sensitive",
        offered=activity_type is None,
    )


def _activities_in_period(project, since, until, *, include_sensitive: bool) -> dict | None:
    """The report's table of the joint activities that count and ended in the period, by type, with their officers (two
    queries); None for a project without joint activities. A period is a filter: sensitive activities are in it only
    for a reader who sees them."""
    if project.code not in OPERATIONS_PROJECTS:
        return None
    counted = JointActivity.objects.filter(project=project, end_date__range=(since, until)).counted()
    if not include_sensitive:
        counted = counted.filter(is_sensitive=False)
    activities = dict(counted.order_by().values_list("type").annotate(n=Count("pk")))
    officers = dict(
        ActivityOfficer.objects.filter(activity__in=counted)
        .order_by()
        .values_list("activity__type")
        .annotate(n=Count("person", distinct=True))
    )
    rows = [[label, activities.get(value, 0), officers.get(value, 0)] for value, label in ActivityType.choices]
    return {"columns": [_("Type"), _("Activities that count"), _("Officers in them")], "rows": rows}


def _activities_held(project, since, until, *, count_sensitive: bool, name_sensitive: bool) -> dict:
    """The progress report's lines of the joint activities that count and ended in the period, by workstream."""
    if project.code not in OPERATIONS_PROJECTS:
        return {}
    return held_summary(
        JointActivity.objects.filter(project=project, end_date__range=(since, until)).counted(),
        type_field="type",
        type_labels=dict(ActivityType.choices),
        country_field="lead_country",
        sensitive="is_sensitive",
        count_sensitive=count_sensitive,
        name_sensitive=name_sensitive,
        related=("lead_country",),
        line=lambda a: " · ".join(
            part
            for part in (
                date_span(a.start_date, a.end_date),
                str(a.get_type_display()),
                f"{a.reference} {a.title}".strip(),
                str(_("led by %(country)s") % {"country": a.lead_country.name}) if a.lead_country_id else "",
            )
            if part
        ),
    )


def _discussed_activities(project, event) -> dict | None:
    """The joint activities discussed at a workshop or meeting of a project with joint activities, as the user may
    see them (one query)."""
    if project.code not in OPERATIONS_PROJECTS or not event.accepts_discussions:
        return None
    activities = JointActivity.objects.in_project(project).filter(discussed_at=event).order_by("start_date", "pk")
    return {"activities": list(activities)}


PROJECTS = list(OPERATIONS_PROJECTS)


def activity_label(activity: JointActivity) -> str:
    reference = f"{activity.reference} – " if activity.reference else ""
    return f"{reference}{activity.title} ({activity.start_date:%d %b %Y})"


def _officers(project):
    """The officers of the project's activities the user sees: those of sensitive ones only for whom sees them."""
    activities = JointActivity.objects.in_project(project)
    listed = ActivityOfficer.objects.filter(person=OuterRef("pk"), activity__in=activities)
    return Person.objects.filter(Exists(listed)).select_related("organisation", "country")


def _activity_picker(key: str, records) -> Picker:
    return Picker(
        key=key,
        records=records,
        search=("reference", "title"),
        text=activity_label,
        order=("-start_date", "-pk"),
        projects=PROJECTS,
    )


CONTRIBUTIONS = Contributions(
    metrics=[
        _activity_metric(
            "cross_border_observations", _("Cross-border observations"), ActivityType.CROSS_BORDER_OBSERVATION
        ),
        _activity_metric("joint_operations", _("Joint operations"), ActivityType.JOINT_OPERATION),
        _activity_metric("joint_investigations", _("Joint investigations"), ActivityType.JOINT_INVESTIGATION),
        _activity_metric("joint_patrols", _("Joint patrols"), ActivityType.JOINT_PATROL),
        _activity_metric("bilateral_meetings", _("Bilateral meetings"), ActivityType.BILATERAL_MEETING),
        _activity_metric(
            "joint_activities",
            _("Joint activities (all types)"),
            None,
            Breakdown("type", _("By type"), field="type", labels=dict(ActivityType.choices)),
        ),
    ],
    people_sources=[
        # Officers of the activities that count, from the activity's end date, among the people the core counts once.
        PeopleSource(
            key="operations",
            records=lambda: ActivityOfficer.objects.filter(activity__in=JointActivity.objects.counted()),
            project="activity__project",
            date="activity__end_date",
            sensitive="activity__is_sensitive",
            breakdowns=[
                Breakdown("role", _("By role in joint activities"), field="role", labels=dict(OfficerRole.choices))
            ],
        ),
    ],
    timeline=timeline.SOURCES,
    reminder_kinds=reminders.KINDS,
    sections=[
        Section("activities", _("Joint activities"), "operations:activity-list", order=20, projects=PROJECTS),
        Section("spocs", _("SPOC directory"), "operations:spoc-directory", order=21, projects=PROJECTS),
        Section(
            "numbers", _("ATHENA 2 numbers"), "operations:numbers", order=22, projects=PROJECTS, action=Action.MANAGE
        ),
    ],
    report_sections=[
        ReportSection("joint-activities", _("Joint activities in the period"), table=_activities_in_period)
    ],
    workstream_summaries=[WorkstreamSummary("joint-activities", _("Joint activities held"), _activities_held)],
    detail_panels=[
        DetailPanel(
            "discussed-activities",
            model=Event._meta.label,
            context=_discussed_activities,
            template="operations/includes/discussed_activities.html",
        )
    ],
    seeders=[Seeder(demo.seed, order=20)],
    pickers=[
        # Every search goes through `in_project`: sensitive activities only for those who see them.
        _activity_picker("activities", lambda project: JointActivity.objects.in_project(project)),
        # What a bilateral meeting may serve: the joint activities that are not meetings.
        _activity_picker("related-activities", related_candidates),
        Picker(
            key="officers",
            records=_officers,
            search=("name", "organisation__name", "organisation__acronym"),
            text=person_label,
            order=("name", "pk"),
            projects=PROJECTS,
            consulted=Person._meta.label,
            new=_("Add “%(text)s” as a new officer"),
            new_same=_("Add another “%(text)s” (not the one above) as a new officer"),
        ),
    ],
)
