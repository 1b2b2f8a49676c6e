"""The ATHENA 2 joint activities over the API: list (filters, ordering, cursor pages), log, read, change, delete,
the validation transitions, and incremental sync (`changes/`).

Reads go through the pages' queries (`operations.queries`: the sensitive ones only for managers), writes through the
pages' forms and services (`api.activities_io`, `operations.services`): the same rules, the same audit trail.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, filters, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from operations import queries, services
from operations.filters import ActivityFilter
from operations.models import OPERATIONS_PROJECTS, JointActivity
from projects.access import Action
from projects.concurrency import StaleRecordError, lock_current
from projects.models import Country
from projects.queries import project_for_user
from projects.viewkit import audit_consultation

from . import sync
from .activities_io import (
    CREATE_DEFAULTS,
    ActivityDetailSerializer,
    ActivitySerializer,
    ActivityWriteSerializer,
    TransitionSerializer,
    check_fields,
    current_values,
    form_errors,
    validated_editor,
)
from .conditional import ApiView, ConditionalGetMixin
from .idempotency import IDEMPOTENCY_KEY, IdempotentPostMixin
from .pagination import ApiCursorPagination
from .preconditions import IF_MATCH, expected_version
from .problems import django_errors
from .schema import ERRORS, GONE, IF_NONE_MATCH, NOT_FOUND, NOT_MODIFIED, WRITE_ERRORS, CodeFilter


class ActivityFilterSet(ActivityFilter):
    """The list page's filters (`operations.filters.ActivityFilter`), a country by its ISO code; the order is the
    API's `ordering` parameter instead of the page's `sort`."""

    country = CodeFilter(
        queryset=Country.objects.all(), to_field_name="code", method="filter_country", label="Country (ISO code)"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters.pop("sort", None)


class StableOrdering(filters.OrderingFilter):
    """The ordering asked for among a short list, the id as the tie-breaker (pages never repeat or skip a row)."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or view.ordering)
        if not any(field.lstrip("-") in ("pk", "id") for field in ordering):
            ordering.append("-pk" if ordering[0].startswith("-") else "pk")
        return ordering


class ActivityPages(ApiCursorPagination):
    ordering = ("-start_date", "-pk")


def _project(request, code: str, action: Action = Action.VIEW):
    return project_for_user(request.user, code, action, among=OPERATIONS_PROJECTS)


def _activity(project, pk: int) -> JointActivity:
    """An activity of the project the user may see, to change (404 otherwise, a sensitive one included)."""
    try:
        return JointActivity.objects.in_project(project).select_related("project", "related_activity").get(pk=pk)
    except JointActivity.DoesNotExist:
        raise Http404 from None


def _shown(request, project, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The activity as the client now may see it, with its version in the ETag (`response.activity`: the record)."""
    try:
        activity = queries.withhold_related(queries.activity_records(project).get(pk=pk), project)
    except JointActivity.DoesNotExist:
        raise Http404 from None
    context = {"request": request, "project": project}
    response = Response(ActivityDetailSerializer(activity, context=context).data, status=status_code)
    response.record_version, response.activity = activity.version, activity
    return response


def _refused(editor, error: DjangoValidationError):
    """A service's refusal of a valid form, in the API's terms (a stale version stays a 412)."""
    if isinstance(error, StaleRecordError):
        raise error
    if getattr(error, "code", None) == "duplicate_officer":
        raise exceptions.ValidationError(form_errors(editor)) from None
    raise exceptions.ValidationError(django_errors(error)) from None


class ActivityList(IdempotentPostMixin, ConditionalGetMixin, GenericAPIView):
    """The project's joint activities the user may see (sensitive ones only for its managers)."""

    queryset = JointActivity.objects.none()  # the schema's model: the rows are `get_queryset`'s
    serializer_class = ActivitySerializer
    pagination_class = ActivityPages
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_class = ActivityFilterSet
    ordering_fields = ["start_date", "end_date", "title", "type", "status", "updated_at", "created_at"]
    ordering = ["-start_date"]

    def get_queryset(self):
        return queries.activity_list(self.project)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "project": self.project}

    @extend_schema(
        responses={200: ActivitySerializer(many=True), **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="activities_list",
    )
    def get(self, request, code: str):
        self.project = _project(request, code)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        sensitive = [activity.pk for activity in page if activity.is_sensitive]
        if sensitive:  # as the list page: a consultation of sensitive records is recorded
            audit_consultation(
                request,
                project=self.project,
                page="api:activity-list",
                object_type=JointActivity._meta.label,
                details={"sensitive": sensitive},
            )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=ActivityWriteSerializer,
        responses={201: ActivityDetailSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="activities_create",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, code: str):
        project = _project(request, code, Action.EDIT)
        body = check_fields(request.data, creating=True, sees_sensitive=project.sees_sensitive)
        editor = validated_editor(project, None, {**CREATE_DEFAULTS, **body}, None)
        try:
            activity = editor.save(request.user)
        except DjangoValidationError as error:
            _refused(editor, error)
        response = _shown(request, project, activity.pk, status_code=status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response


class ActivityDetail(ApiView):
    """One activity with its places, countries and officers; changed with PATCH (the fields sent), deleted by a
    manager. Reading it is recorded in the audit trail, as its page is (its officers are personal data)."""

    @extend_schema(
        responses={200: ActivityDetailSerializer, **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="activities_retrieve",
    )
    def get(self, request, code: str, pk: int):
        project = _project(request, code)
        response = _shown(request, project, pk)
        audit_consultation(request, project=project, page="api:activity-detail", obj=response.activity)
        return response

    @extend_schema(
        request=ActivityWriteSerializer(partial=True),
        responses={200: ActivityDetailSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IF_MATCH],
        operation_id="activities_partial_update",
    )
    def patch(self, request, code: str, pk: int):
        project = _project(request, code, Action.EDIT)
        activity = _activity(project, pk)
        version = expected_version(request)
        body = check_fields(request.data, creating=False, sees_sensitive=project.sees_sensitive)
        services.activity_check_editable(activity=activity, user=request.user)  # 403 for a validated one
        editor = validated_editor(project, activity, {**current_values(activity), **body}, version)
        if editor.changed():
            try:
                editor.save(request.user)
            except DjangoValidationError as error:
                _refused(editor, error)
        elif version != activity.version:
            raise StaleRecordError(activity)
        return _shown(request, project, pk)

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Deleted."), **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IF_MATCH],
        operation_id="activities_destroy",
    )
    def delete(self, request, code: str, pk: int):
        project = _project(request, code, Action.VALIDATE)
        activity = _activity(project, pk)
        version = expected_version(request)
        with transaction.atomic():
            activity = lock_current(activity, version)
            services.activity_delete(activity=activity, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActivityTransition(IdempotentPostMixin, ApiView):
    """A step of the activity's life: `advance` (planned → ongoing → completed → evaluated), `submit` for
    validation, and for managers `validate`, `return` (with a comment) and `reopen` (with a comment)."""

    @extend_schema(
        request=TransitionSerializer,
        responses={200: ActivityDetailSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        operation_id="activities_transition",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, code: str, pk: int, action: str):
        project = _project(request, code)
        service = services.TRANSITIONS.get(action)
        if service is None:
            raise Http404
        activity = _activity(project, pk)
        version = expected_version(request)
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kwargs = {"activity": activity, "user": request.user, "expected_version": version}
        if action in ("return", "reopen"):
            kwargs["comment"] = serializer.validated_data.get("comment", "")
        service(**kwargs)
        return _shown(request, project, pk)


class ActivityChanges(ApiView):
    """Incremental sync of the project's activities (api.sync): the records changed since the cursor, in full, and
    the ids to drop."""

    @extend_schema(
        parameters=[sync.CURSOR, sync.PAGE_SIZE_PARAMETER],
        responses={
            200: sync.changes_serializer(ActivityDetailSerializer, "ActivityChanges"),
            **ERRORS,
            **NOT_FOUND,
            **GONE,
        },
        operation_id="activities_changes",
    )
    def get(self, request, code: str):
        project = _project(request, code)
        records, deleted, cursor, more = sync.changes(
            request, kind="activity", project=project, queryset=queries.activity_records(project)
        )
        records = [queries.withhold_related(activity, project) for activity in records]
        if records:
            audit_consultation(
                request,
                project=project,
                page="api:activity-changes",
                object_type=JointActivity._meta.label,
                details={"activities": [activity.pk for activity in records]},
            )
        context = {"request": request, "project": project}
        data = ActivityDetailSerializer(records, many=True, context=context).data
        return Response({"results": data, "deleted": deleted, "next_cursor": cursor, "has_more": more})
