"""IMOBEX over the API: the modus operandi findings (list, record, read, change, incremental sync) and the country
coverage of the information gathering (the 34 countries, one country, a move to another state, incremental sync).

Reads go through the pages' queries (`imobex.queries`), writes through the pages' forms and services
(`api.imobex_io`, `imobex.services`): the same rules, the same audit trail. A country's coverage is addressed by its
ISO code, as on its page: a country nobody has touched yet has no record, and is moved from version 0.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from imobex import queries, services
from imobex.filters import FindingFilter
from imobex.models import IMOBEX_PROJECTS, CountryCoverage, ExploitationIndicator, Finding, scope_countries
from projects.access import Action
from projects.queries import project_for_user

from . import sync
from .activities import StableOrdering
from .activities_io import known_fields
from .conditional import ApiView, ConditionalGetMixin
from .idempotency import IDEMPOTENCY_KEY, IdempotentPostMixin
from .imobex_io import (
    CoverageDetailSerializer,
    CoverageSerializer,
    CoverageStateSerializer,
    FindingSerializer,
    FindingWriteSerializer,
    coverage_form,
    finding_form,
    finding_values,
)
from .pagination import ApiCursorPagination
from .preconditions import IF_MATCH, expected_version
from .schema import ERRORS, GONE, IF_NONE_MATCH, NOT_FOUND, NOT_MODIFIED, WRITE_ERRORS, CodeFilter

State = CountryCoverage.State


def _project(request, code: str, action: Action = Action.VIEW):
    return project_for_user(request.user, code, action, among=IMOBEX_PROJECTS)


# --- findings ----------------------------------------------------------------------------------------------------


class FindingFilterSet(FindingFilter):
    """The list page's filters (`imobex.filters.FindingFilter`), countries by ISO code, an indicator by its key."""

    origin = CodeFilter(
        queryset=scope_countries(), to_field_name="code", method="filter_origin", label=_("Groups come from (ISO code)")
    )
    acting_in = CodeFilter(
        queryset=scope_countries(), to_field_name="code", method="filter_acting_in", label=_("Groups act in (ISO code)")
    )
    indicator = CodeFilter(
        queryset=ExploitationIndicator.objects.all(),
        to_field_name="key",
        method="filter_indicator",
        label=_("Exploitation indicator (key)"),
    )


class FindingPages(ApiCursorPagination):
    ordering = ("-created_at", "-pk")


def _finding_shown(request, project, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The finding as stored now, with its version in the ETag."""
    try:
        finding = queries.findings(project).get(pk=pk)
    except Finding.DoesNotExist:
        raise Http404 from None
    response = Response(FindingSerializer(finding, context={"request": request, "project": project}).data, status_code)
    response.record_version = finding.version
    return response


class FindingList(IdempotentPostMixin, ConditionalGetMixin, GenericAPIView):
    """The project's modus operandi findings, newest first, with the list page's filters."""

    queryset = Finding.objects.none()  # the schema's model: the rows are `get_queryset`'s
    serializer_class = FindingSerializer
    pagination_class = FindingPages
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_class = FindingFilterSet
    ordering_fields = ["created_at", "updated_at", "title", "crime_type", "reliability"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return queries.findings(self.project)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "project": self.project}

    @extend_schema(
        responses={200: FindingSerializer(many=True), **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="findings_list",
    )
    def get(self, request, code: str):
        self.project = _project(request, code)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=FindingWriteSerializer,
        responses={201: FindingSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="findings_create",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, code: str):
        project = _project(request, code, Action.EDIT)
        form = finding_form(known_fields(request.data, FindingWriteSerializer().fields), None, None)
        finding = services.finding_save(user=request.user, project=project, **form.cleaned_data)
        response = _finding_shown(request, project, finding.pk, status_code=status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response


class FindingDetail(ApiView):
    """One finding; changed with PATCH (the fields sent; a list sent replaces the stored one)."""

    @extend_schema(
        responses={200: FindingSerializer, **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="findings_retrieve",
    )
    def get(self, request, code: str, pk: int):
        return _finding_shown(request, _project(request, code), pk)

    @extend_schema(
        request=FindingWriteSerializer(partial=True),
        responses={200: FindingSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IF_MATCH],
        operation_id="findings_partial_update",
    )
    def patch(self, request, code: str, pk: int):
        project = _project(request, code, Action.EDIT)
        finding = queries.findings(project).filter(pk=pk).first()
        if finding is None:
            raise Http404
        version = expected_version(request)
        body = known_fields(request.data, FindingWriteSerializer().fields)
        form = finding_form({**finding_values(finding), **body}, finding, version)
        services.finding_save(
            user=request.user, project=project, finding=finding, expected_version=version, **form.cleaned_data
        )
        return _finding_shown(request, project, pk)


class FindingChanges(ApiView):
    """Incremental sync of the project's findings (api.sync): those changed since the cursor, and the ids to drop."""

    @extend_schema(
        parameters=[sync.CURSOR, sync.PAGE_SIZE_PARAMETER],
        responses={200: sync.changes_serializer(FindingSerializer, "FindingChanges"), **ERRORS, **NOT_FOUND, **GONE},
        operation_id="findings_changes",
    )
    def get(self, request, code: str):
        project = _project(request, code)
        records, deleted, cursor, more = sync.changes(
            request, kind="finding", project=project, queryset=queries.findings(project)
        )
        data = FindingSerializer(records, many=True, context={"request": request, "project": project}).data
        return Response({"results": data, "deleted": deleted, "next_cursor": cursor, "has_more": more})


# --- coverage ----------------------------------------------------------------------------------------------------

STATE_FILTER = OpenApiParameter(
    "state", str, enum=State.values, required=False, description="Only the countries in this state."
)


def _coverage(project, country: str) -> CountryCoverage:
    """The country's coverage (an unsaved one at version 0 for a country not started); 404 outside the scope."""
    country_obj = scope_countries().filter(code=country).first()
    if country_obj is None:
        raise Http404
    stored = CountryCoverage.objects.filter(project=project, country=country_obj).select_related("responsible")
    return stored.first() or CountryCoverage(project=project, country=country_obj)


def _coverage_shown(request, project, country: str) -> Response:
    coverage = _coverage(project, country)
    coverage.allowed_states = services.coverage_states_for(request.user, project, coverage.state)
    context = {"request": request, "project": project}
    response = Response(CoverageDetailSerializer(coverage, context=context).data)
    response.record_version = coverage.version
    return response


class CoverageList(ApiView):
    """The 34 countries of the project's scope in the order of their names, each with its coverage (the board)."""

    @extend_schema(
        parameters=[STATE_FILTER, IF_NONE_MATCH],
        responses={200: CoverageSerializer(many=True), **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        operation_id="coverage_list",
    )
    def get(self, request, code: str):
        project = _project(request, code)
        state = request.query_params.get("state")
        if state is not None and state not in State.values:
            raise exceptions.ValidationError({"state": [_("Choose one of: %s.") % ", ".join(State.values)]})
        rows = []
        for tile in queries.coverage_board(project).tiles:
            if state is None or tile.state == state:
                coverage = tile.coverage or CountryCoverage(project=project)
                coverage.country = tile.country  # the board's own: no query per country
                rows.append(coverage)
        return Response(CoverageSerializer(rows, many=True, context={"request": request, "project": project}).data)


class CoverageDetail(ApiView):
    """One country's coverage, with the states the user may move it to."""

    @extend_schema(
        responses={200: CoverageDetailSerializer, **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="coverage_retrieve",
    )
    def get(self, request, code: str, country: str):
        return _coverage_shown(request, _project(request, code), country)


class CoverageState(IdempotentPostMixin, ApiView):
    """Move a country to another state, as its page does: staff request and receive, a manager validates or
    reopens; a state the user's role does not allow from the current one is refused (400, `state`)."""

    @extend_schema(
        request=CoverageStateSerializer,
        responses={200: CoverageDetailSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        operation_id="coverage_set_state",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, code: str, country: str):
        project = _project(request, code, Action.EDIT)
        coverage = _coverage(project, country)
        version = expected_version(request)
        states = services.coverage_states_for(request.user, project, coverage.state)
        form = coverage_form(project, coverage, request.data, states, version)
        services.coverage_set_state(
            user=request.user,
            project=project,
            country=coverage.country,
            expected_version=form.expected_version,
            **form.cleaned_data,
        )
        return _coverage_shown(request, project, country)


class CoverageChanges(ApiView):
    """Incremental sync of the project's coverage records (api.sync): a country appears once it was first moved;
    `deleted` are ids of records removed (their country is back to not started)."""

    @extend_schema(
        parameters=[sync.CURSOR, sync.PAGE_SIZE_PARAMETER],
        responses={200: sync.changes_serializer(CoverageSerializer, "CoverageChanges"), **ERRORS, **NOT_FOUND, **GONE},
        operation_id="coverage_changes",
    )
    def get(self, request, code: str):
        project = _project(request, code)
        queryset = CountryCoverage.objects.filter(project=project, country__in=scope_countries()).select_related(
            "country"
        )
        records, deleted, cursor, more = sync.changes(request, kind="coverage", project=project, queryset=queryset)
        data = CoverageSerializer(records, many=True, context={"request": request, "project": project}).data
        return Response({"results": data, "deleted": deleted, "next_cursor": cursor, "has_more": more})
