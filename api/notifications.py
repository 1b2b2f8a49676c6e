"""The user's own notifications over the API: the list the portal's notifications page shows, and marking them
read through the same service (`reporting.services.notifications_mark_read`, in the audit trail). Nobody reaches
another user's notification: it is not found (404)."""

from __future__ import annotations

import django_filters
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from reporting import services
from reporting.models import Notification

from .activities import StableOrdering
from .conditional import ApiView, ConditionalGetMixin
from .idempotency import IDEMPOTENCY_KEY, IdempotentPostMixin
from .pagination import ApiCursorPagination
from .schema import ERRORS, IF_NONE_MATCH, NOT_FOUND, NOT_MODIFIED, problem


def own_notifications(user):
    """The user's notifications, newest first (the page's query, `reporting.queries.notifications_for`, unbounded)."""
    return Notification.objects.filter(recipient=user).select_related("project")


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("Unread only"))
    kind = django_filters.CharFilter()

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


# A mark needs no version (If-Match): it only ever sets the read time of unread notifications.
MARK_ERRORS = {**ERRORS, **problem(422, "The Idempotency-Key was used for another request.")}


class NotificationSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    link = serializers.SerializerMethodField(help_text="The portal's page the notification is about.")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "project", "created_at", "read_at"]

    def get_link(self, notification: Notification) -> str:
        return self.context["request"].build_absolute_uri(notification.url) if notification.url else ""


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread and are now read.")


class NotificationPages(ApiCursorPagination):
    ordering = ("-created_at", "-pk")


class NotificationList(ConditionalGetMixin, GenericAPIView):
    """The user's own notifications, newest first (`?unread=true`: the unread ones)."""

    queryset = Notification.objects.none()  # the schema's model: the rows are `get_queryset`'s
    serializer_class = NotificationSerializer
    pagination_class = NotificationPages
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return own_notifications(self.request.user)

    @extend_schema(
        responses={200: NotificationSerializer(many=True), **NOT_MODIFIED, **ERRORS},
        parameters=[IF_NONE_MATCH],
        operation_id="notifications_list",
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class NotificationRead(IdempotentPostMixin, ApiView):
    """Mark one of the user's notifications read (already read: nothing changes)."""

    @extend_schema(
        request=None,
        responses={200: NotificationSerializer, **MARK_ERRORS, **NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="notifications_read",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, pk: int):
        if not own_notifications(request.user).filter(pk=pk).exists():
            raise Http404
        services.notifications_mark_read(user=request.user, ids=[pk])
        notification = own_notifications(request.user).get(pk=pk)
        return Response(NotificationSerializer(notification, context={"request": request}).data)


class NotificationReadAll(IdempotentPostMixin, ApiView):
    """Mark all the user's notifications read, as the notifications page's button does."""

    @extend_schema(
        request=None,
        responses={200: MarkedSerializer, **MARK_ERRORS},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="notifications_read_all",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request):
        return Response({"marked": services.notifications_mark_read(user=request.user)})
