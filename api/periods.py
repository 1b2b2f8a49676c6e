"""A project's reporting periods over the API: what each covers, when its report is due and whether it went to the
funder. Every member reads them, as on the reports page; a period's submitted versions are for its managers, as on
the period's page (`reporting.views.report_detail`). Periods are added in the administration, so the API only reads.
"""

from __future__ import annotations

import django_filters
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from projects.access import Action
from projects.queries import project_for_user
from reporting.models import ReportingPeriod, ReportSnapshot

from .activities import StableOrdering
from .conditional import ApiView, ConditionalGetMixin
from .pagination import ApiCursorPagination
from .schema import ERRORS, IF_NONE_MATCH, NOT_FOUND, NOT_MODIFIED

PERIOD_STATES = [
    ("submitted", _("Submitted to the funder")),
    ("overdue", _("Report overdue")),
    ("open", _("Report not due yet")),
]


class PeriodFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ReportingPeriod.Kind.choices)
    submitted = django_filters.BooleanFilter(field_name="submitted_on", lookup_expr="isnull", exclude=True)
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte", label=_("Due on or after"))
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label=_("Due on or before"))

    class Meta:
        model = ReportingPeriod
        fields = ["kind", "submitted", "due_after", "due_before"]


class PeriodSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    label = serializers.CharField(source="__str__", help_text="The period's name and dates, as the pages show it.")
    state = serializers.SerializerMethodField()

    class Meta:
        model = ReportingPeriod
        fields = ["id", "url", "label", "kind", "title", "start", "end", "due_date", "submitted_on", "state"]

    def get_url(self, period: ReportingPeriod) -> str:
        kwargs = {"code": self.context["project"].code, "pk": period.pk}
        return self.context["request"].build_absolute_uri(reverse("api:period-detail", kwargs=kwargs))

    @extend_schema_field(serializers.ChoiceField(choices=PERIOD_STATES))
    def get_state(self, period: ReportingPeriod) -> str:
        """As the reports page shows it: overdue once the due date is past and the report was not submitted."""
        if period.is_submitted:
            return "submitted"
        return "overdue" if period.due_date < self.context["today"] else "open"


class SubmittedVersionSerializer(serializers.ModelSerializer):
    submitted_by = serializers.SerializerMethodField()

    class Meta:
        model = ReportSnapshot
        fields = ["number", "submitted_on", "submitted_by", "created_at"]

    def get_submitted_by(self, snapshot: ReportSnapshot) -> str:
        user = snapshot.created_by
        return (user.get_full_name() or user.get_username()) if user else ""


class PeriodDetailSerializer(PeriodSerializer):
    submitted_versions = serializers.SerializerMethodField(
        help_text="The report's versions sent to the funder, newest first: for its managers only (null for others).",
    )

    class Meta(PeriodSerializer.Meta):
        fields = [*PeriodSerializer.Meta.fields, "submitted_versions"]

    @extend_schema_field(SubmittedVersionSerializer(many=True, allow_null=True))
    def get_submitted_versions(self, period: ReportingPeriod):
        if not self.context["project"].allows(Action.MANAGE):
            return None
        snapshots = ReportSnapshot.objects.filter(period=period).select_related("created_by").order_by("-number")
        return SubmittedVersionSerializer(snapshots, many=True).data


class PeriodPages(ApiCursorPagination):
    ordering = ("start", "pk")


def _context(request, project) -> dict:
    return {"request": request, "project": project, "today": timezone.localdate()}


class PeriodList(ConditionalGetMixin, GenericAPIView):
    """The project's reporting periods, in the order of their start, with their report's due date and state."""

    queryset = ReportingPeriod.objects.none()  # the schema's model: the rows are `get_queryset`'s
    serializer_class = PeriodSerializer
    pagination_class = PeriodPages
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_class = PeriodFilterSet
    ordering_fields = ["start", "end", "due_date"]
    ordering = ["start"]

    def get_queryset(self):
        return ReportingPeriod.objects.filter(project=self.project).select_related("project")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **_context(self.request, self.project)}

    @extend_schema(
        responses={200: PeriodSerializer(many=True), **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="reporting_periods_list",
    )
    def get(self, request, code: str):
        self.project = project_for_user(request.user, code, Action.VIEW)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PeriodDetail(ApiView):
    """One reporting period; for the project's managers, with the versions of its report sent to the funder."""

    @extend_schema(
        responses={200: PeriodDetailSerializer, **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="reporting_periods_retrieve",
    )
    def get(self, request, code: str, pk: int):
        project = project_for_user(request.user, code, Action.VIEW)
        period = ReportingPeriod.objects.filter(project=project).select_related("project").filter(pk=pk).first()
        if period is None:
            raise Http404
        return Response(PeriodDetailSerializer(period, context=_context(request, project)).data)
