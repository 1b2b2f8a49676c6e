"""Registrations and check-in over the API: an event's participants (listed, registered, withdrawn) and what was
recorded of them day by day (checked in, no-show, undone), as on the participants and check-in pages.

Reading participants is recorded in the audit trail, as their pages are (personal data); the e-mail and gender are
shown to those who register people only, as on the page. A registration is not a versioned record (nothing of it is
edited, it is created or withdrawn): withdrawing it needs no If-Match, and withdrawing it twice is a 404.
"""

from __future__ import annotations

from django.db.models import F, Prefetch
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from conferences import queries, services
from conferences.filters import RegistrationFilter
from conferences.models import Attendance, Registration
from conferences.queries import CONSULTED, shows_contact
from projects.access import Action
from projects.viewkit import audit_consultation

from . import sync
from .activities import StableOrdering
from .activities_io import known_fields
from .conditional import ApiView, ConditionalGetMixin
from .events import event_of, project_of
from .events_io import (
    CheckInSerializer,
    RegistrationSerializer,
    RegistrationWriteSerializer,
    day_of,
    registration_values,
)
from .idempotency import IDEMPOTENCY_KEY, IdempotentPostMixin
from .pagination import ApiCursorPagination
from .schema import ERRORS, GONE, IF_NONE_MATCH, NOT_FOUND, NOT_MODIFIED, WRITE_ERRORS


class RegistrationPages(ApiCursorPagination):
    ordering = ("name", "pk")
    page_size = 100
    max_page_size = 500


def registrations(event):
    """The participants list's query (`conferences.queries.registrations_of_event`) with each one's attendance day
    by day, and the person's name as `name` (an ordering of the API)."""
    return with_attendance(queries.registrations_of_event(event))


def with_attendance(registrations):
    return registrations.annotate(name=F("person__name")).prefetch_related(
        Prefetch("attendance", queryset=Attendance.objects.order_by("day"))
    )


def _registration(event, rid: int) -> Registration:
    try:
        return registrations(event).get(pk=rid)
    except Registration.DoesNotExist:
        raise Http404 from None


def _context(request, project) -> dict:
    return {"request": request, "project": project, "shows_contact": shows_contact(project)}


def _shown(request, project, event, rid: int, status_code: int = status.HTTP_200_OK) -> Response:
    registration = _registration(event, rid)
    return Response(RegistrationSerializer(registration, context=_context(request, project)).data, status=status_code)


class RegistrationList(IdempotentPostMixin, ConditionalGetMixin, GenericAPIView):
    """The event's participants (with what was recorded of them day by day); staff and managers register people."""

    queryset = Registration.objects.none()  # the schema's model: the rows are `get_queryset`'s
    serializer_class = RegistrationSerializer
    pagination_class = RegistrationPages
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_class = RegistrationFilter
    ordering_fields = ["name", "role", "registered_at"]
    ordering = ["name"]

    def get_queryset(self):
        return registrations(self.event)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **_context(self.request, self.project)}

    @extend_schema(
        responses={200: RegistrationSerializer(many=True), **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="registrations_list",
    )
    def get(self, request, code: str, pk: int):
        self.project = project_of(request, code)
        self.event = event_of(self.project, pk)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        audit_consultation(
            request, project=self.project, page="api:registration-list", obj=self.event, object_type=CONSULTED
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=RegistrationWriteSerializer,
        responses={201: RegistrationSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="registrations_create",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, code: str, pk: int):
        project = project_of(request, code, Action.EDIT)
        event = event_of(project, pk)
        values = registration_values(request.data)
        registration = services.registration_create(user=request.user, event=event, **values)  # 400: full, twice...
        response = _shown(request, project, event, registration.pk, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response


class RegistrationDetail(ApiView):
    """One participant (the reading is recorded in the audit trail); withdrawn, with their attendance and feedback,
    by staff and managers."""

    @extend_schema(
        responses={200: RegistrationSerializer, **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="registrations_retrieve",
    )
    def get(self, request, code: str, pk: int, rid: int):
        project = project_of(request, code)
        event = event_of(project, pk)
        response = _shown(request, project, event, rid)
        audit_consultation(
            request, project=project, page="api:registration-detail", obj=event, object_type=CONSULTED,
            details={"registration": rid},
        )  # fmt: skip
        return response

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Withdrawn."), **ERRORS, **NOT_FOUND},
        description="A registration is not a versioned record (nothing of it is edited): no If-Match is needed.",
        operation_id="registrations_destroy",
    )
    def delete(self, request, code: str, pk: int, rid: int):
        project = project_of(request, code, Action.EDIT)
        event = event_of(project, pk)
        registration = _registration(event, rid)
        services.registration_delete(user=request.user, registration=registration)
        return Response(status=status.HTTP_204_NO_CONTENT)


DAY = OpenApiParameter("day", OpenApiTypes.DATE, required=True, description="The day to forget (YYYY-MM-DD).")


class RegistrationAttendance(IdempotentPostMixin, ApiView):
    """Check-in: the person checked in on a day of the event (or marked a no-show with `"present": false`), or what
    was recorded that day forgotten (DELETE ?day=: a check-in made by mistake)."""

    @extend_schema(
        request=CheckInSerializer,
        responses={200: RegistrationSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="registrations_check_in",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, code: str, pk: int, rid: int):
        project = project_of(request, code, Action.EDIT)
        event = event_of(project, pk)
        registration = _registration(event, rid)
        values = day_of(known_fields(request.data, ("day", "present")), CheckInSerializer)
        services.attendance_record(user=request.user, registration=registration, **values)  # 400: not that day
        return _shown(request, project, event, rid)

    @extend_schema(
        request=None,
        parameters=[DAY],
        responses={200: RegistrationSerializer, **ERRORS, **NOT_FOUND},
        operation_id="registrations_check_in_undo",
    )
    def delete(self, request, code: str, pk: int, rid: int):
        project = project_of(request, code, Action.EDIT)
        event = event_of(project, pk)
        registration = _registration(event, rid)
        day = day_of(request.query_params)["day"]
        services.attendance_undo(user=request.user, registration=registration, day=day)
        return _shown(request, project, event, rid)


class RegistrationChanges(ApiView):
    """Incremental sync of the participants of all the project's events (api.sync), for a check-in app that works
    offline: the registrations created or changed since the cursor (a day of attendance recorded or undone counts),
    with what was recorded, and the ids of those withdrawn or deleted. Reading them is recorded, as the lists are."""

    @extend_schema(
        parameters=[sync.CURSOR, sync.PAGE_SIZE_PARAMETER],
        responses={
            200: sync.changes_serializer(RegistrationSerializer, "RegistrationChanges"),
            **ERRORS,
            **NOT_FOUND,
            **GONE,
        },
        operation_id="registrations_changes",
    )
    def get(self, request, code: str):
        project = project_of(request, code)
        queryset = with_attendance(queries.registrations_of_project(project))
        records, deleted, cursor, more = sync.changes(request, kind="registration", project=project, queryset=queryset)
        if records:
            audit_consultation(
                request,
                project=project,
                page="api:registration-changes",
                object_type=CONSULTED,
                details={"registrations": [registration.pk for registration in records]},
            )
        data = RegistrationSerializer(records, many=True, context=_context(request, project)).data
        return Response({"results": data, "deleted": deleted, "next_cursor": cursor, "has_more": more})
