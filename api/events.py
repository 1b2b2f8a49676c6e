"""Events over the API: list (the page's filters, ordering, cursor pages), plan, read with the agenda, change (PATCH)
and change of status,
no-shows of a day, and incremental sync (`changes/`). Registrations and check-in: `api.registrations`.

Reads go through the pages' queries (`conferences.queries`) and access rule (`project_for_user`: members read, staff
and managers write), writes through the pages' forms and `conferences.services`: the same rules, the same audit.
"""

from __future__ import annotations

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from conferences import queries, services
from conferences.filters import EventFilter
from conferences.models import Event
from projects.access import Action
from projects.concurrency import StaleRecordError
from projects.queries import project_for_user

from . import sync
from .activities import StableOrdering
from .activities_io import known_fields
from .conditional import ApiView, ConditionalGetMixin
from .events_io import (
    DaySerializer,
    EventDetailSerializer,
    EventListSerializer,
    EventSerializer,
    EventTransitionSerializer,
    EventWriteSerializer,
    NoShowsSerializer,
    day_of,
    transition_status,
    validated_event_form,
)
from .idempotency import IDEMPOTENCY_KEY, IdempotentPostMixin
from .pagination import ApiCursorPagination
from .preconditions import IF_MATCH, expected_version
from .schema import ERRORS, GONE, IF_NONE_MATCH, NOT_FOUND, NOT_MODIFIED, WRITE_ERRORS


class EventPages(ApiCursorPagination):
    ordering = ("-start_date", "-pk")


def project_of(request, code: str, action: Action = Action.VIEW):
    """The project (404 outside one's projects, 403 beyond one's role), as the events' pages ask for it."""
    return project_for_user(request.user, code, action)


def event_of(project, pk: int) -> Event:
    """An event of the project (404 otherwise)."""
    try:
        return Event.objects.filter(project=project).select_related("project", "country").get(pk=pk)
    except Event.DoesNotExist:
        raise Http404 from None


def _shown(request, project, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
    """The event as its page shows it (counts, agenda), its version in the ETag for the next If-Match."""
    event = queries.event_for_page(project, pk)
    context = {"request": request, "project": project}
    response = Response(EventDetailSerializer(event, context=context).data, status=status_code)
    response.record_version = event.version
    return response


class EventList(IdempotentPostMixin, ConditionalGetMixin, GenericAPIView):
    """The project's events with their numbers of registrations, places taken and attendees; staff and managers
    plan new ones."""

    queryset = Event.objects.none()  # the schema's model: the rows are `get_queryset`'s
    serializer_class = EventListSerializer
    pagination_class = EventPages
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_class = EventFilter
    ordering_fields = ["start_date", "end_date", "title", "kind", "status", "updated_at", "created_at"]
    ordering = ["-start_date"]

    def get_queryset(self):
        return queries.events_of_project(self.project)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "project": self.project}

    @extend_schema(
        responses={200: EventListSerializer(many=True), **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="events_list",
    )
    def get(self, request, code: str):
        self.project = project_of(request, code)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=EventWriteSerializer,
        responses={201: EventDetailSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="events_create",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, code: str):
        project = project_of(request, code, Action.EDIT)
        form = validated_event_form(Event(project=project), request.data, None)
        event = services.event_save(user=request.user, event=form.save(commit=False))
        response = _shown(request, project, event.pk, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response


class EventDetail(ApiView):
    """One event with its counts and agenda; its ETag carries the version a change (PATCH: the fields sent, as the
    page's form) or a change of status sends in If-Match."""

    @extend_schema(
        responses={200: EventDetailSerializer, **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="events_retrieve",
    )
    def get(self, request, code: str, pk: int):
        return _shown(request, project_of(request, code), pk)

    @extend_schema(
        request=EventWriteSerializer(partial=True),
        responses={200: EventDetailSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IF_MATCH],
        operation_id="events_partial_update",
    )
    def patch(self, request, code: str, pk: int):
        project = project_of(request, code, Action.EDIT)
        event = event_of(project, pk)
        version = expected_version(request)
        form = validated_event_form(event, request.data, version)
        services.event_save(user=request.user, event=form.save(commit=False), expected_version=form.expected_version)
        return _shown(request, project, pk)


class EventTransition(IdempotentPostMixin, ApiView):
    """A change of the event's status (planned, open for registration, held, cancelled), as on its page: only to
    one of its `allowed_transitions`; held once it has started, and then final."""

    @extend_schema(
        request=EventTransitionSerializer,
        responses={200: EventDetailSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        operation_id="events_transition",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, code: str, pk: int):
        project = project_of(request, code, Action.EDIT)
        event = event_of(project, pk)
        version = expected_version(request)
        if version != event.version:  # before the form, whose choices are those of the current status
            raise StaleRecordError(event)
        new_status = transition_status(request.data, event)
        # the service's refusals (held before the start, a stale version) are answered by api.problems: 400, 412
        services.event_transition(user=request.user, event=event, status=new_status, expected_version=version)
        return _shown(request, project, pk)


class EventNoShows(IdempotentPostMixin, ApiView):
    """Everyone not checked in on the day marked a no-show (the check-in desk's last step of the day)."""

    @extend_schema(
        request=DaySerializer,
        responses={200: NoShowsSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="events_no_shows",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, code: str, pk: int):
        project = project_of(request, code, Action.EDIT)
        event = event_of(project, pk)
        day = day_of(known_fields(request.data, ("day",)))["day"]
        marked = services.attendance_mark_no_shows(user=request.user, event=event, day=day)  # 400: not that day
        counts = queries.checkin_counts(event, day)
        return Response(NoShowsSerializer({"day": day, "marked": marked, **counts}).data, status=status.HTTP_200_OK)


class EventChanges(ApiView):
    """Incremental sync of the project's events (api.sync): the events changed since the cursor and the ids of
    those deleted. A change of status counts; the agenda and the counts are read on the event itself."""

    @extend_schema(
        parameters=[sync.CURSOR, sync.PAGE_SIZE_PARAMETER],
        responses={200: sync.changes_serializer(EventSerializer, "EventChanges"), **ERRORS, **NOT_FOUND, **GONE},
        operation_id="events_changes",
    )
    def get(self, request, code: str):
        project = project_of(request, code)
        queryset = Event.objects.filter(project=project).select_related("project", "country")
        records, deleted, cursor, more = sync.changes(request, kind="event", project=project, queryset=queryset)
        data = EventSerializer(records, many=True, context={"request": request, "project": project}).data
        return Response({"results": data, "deleted": deleted, "next_cursor": cursor, "has_more": more})
