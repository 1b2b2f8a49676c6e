"""The webhooks in the admin (superusers only, like all of it): endpoints written through `services.endpoint_save`
(the address checked against the allow-list, audited without the secret), each with its recent deliveries; the
delivery log read-only, with "Re-send" (a new round of attempts through the outbox, audited) and a test ping."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from projects.admin_base import ReadOnlyAdmin, ServiceAdmin, ServiceAdminMixin, TabularInline, choices_filter

from . import services
from .links import EVENT_CHOICES, EVENTS, PING
from .models import WebhookDelivery, WebhookEndpoint

DELIVERY_LOG = ["created_at", "event_type", "status", "attempts", "last_status_code", "last_response_ms", "last_error"]


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(label=_("Events"), choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "projects", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        if self.data.get("is_active", "") in ("on", "true", "1", True):  # an inactive endpoint is checked when enabled
            try:
                services.endpoint_check_url(url)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["url"]) from None
        return url


class DeliveryInline(TabularInline):
    """The endpoint's latest deliveries (the full log: the deliveries' list, filtered on the endpoint)."""

    model = WebhookDelivery
    fields = readonly_fields = DELIVERY_LOG
    ordering = ["-created_at", "-id"]
    extra = 0
    can_delete = False
    max_rows = 20

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "event_list", "is_active", "consecutive_failures", "disabled_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret", "consecutive_failures", "disabled_at", "disabled_reason", "created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "url", "events", "projects", "is_active"]}),
        (
            _("Signing"),
            {
                "fields": ["secret"],
                "description": _(
                    "Give this secret to the receiver: it checks each message's webhook-signature with it "
                    "(Standard Webhooks; docs/DEVELOPING.md, “Webhooks”)."
                ),
            },
        ),
        (
            _("Health"),
            {"fields": ["consecutive_failures", "disabled_at", "disabled_reason", "created_by", "created_at"]},
        ),
    ]
    inlines = [DeliveryInline]
    actions = ["send_ping"]

    def get_deleted_objects(self, objs, request):
        """Deleting an endpoint deletes its delivery log with it, although nobody deletes log rows on their own."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed - {WebhookDelivery._meta.verbose_name}, protected

    @admin.display(description=_("events"))
    def event_list(self, obj):
        return ", ".join(obj.events)

    def save_record(self, request, obj, form, *, created: bool, changed: list[str]) -> None:
        services.endpoint_save(user=request.user, endpoint=obj, changed=changed)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        endpoint = WebhookEndpoint.objects.filter(pk=object_id).only("disabled_at", "disabled_reason").first()
        if request.method == "GET" and endpoint is not None and endpoint.disabled_at is not None:
            messages.warning(
                request,
                _("Disabled on %(when)s: %(reason)s Fix the receiver, then tick “active” again.")
                % {"when": endpoint.disabled_at.strftime("%Y-%m-%d %H:%M UTC"), "reason": endpoint.disabled_reason},
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Send a test ping"))
    def send_ping(self, request, queryset):
        sent = 0
        for endpoint in queryset:
            try:
                services.endpoint_ping(user=request.user, endpoint=endpoint)
                sent += 1
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
        if sent:
            self.message_user(request, ngettext("%d ping queued.", "%d pings queued.", sent) % sent, messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ServiceAdminMixin, ReadOnlyAdmin):
    """The delivery log: what was sent where, and how the receiver answered. Nothing is edited here; "Re-send"
    sends a delivery again (same message id)."""

    list_display = ["created_at", "event_type", "endpoint", "project", "status", "attempts", "last_status_code",
                    "last_response_ms", "next_attempt_at"]  # fmt: skip
    list_select_related = ["endpoint", "project"]
    list_filter = [
        "status",
        choices_filter("event_type", _("event"), lambda: [*EVENTS.items(), (PING, _("Test ping"))]),
        "project",
    ]
    search_fields = ["endpoint__name", "event_type"]
    ordering = ["-created_at", "-id"]
    fields = ["endpoint", "project", "event_type", "message_id", "payload", "status", "attempts", "next_attempt_at",
              "last_status_code", "last_response_ms", "last_error", "created_at", "delivered_at"]  # fmt: skip
    readonly_fields = fields
    actions = ["resend"]

    @admin.action(description=_("Re-send"))
    def resend(self, request, queryset):
        sent = 0
        for delivery in queryset:
            try:
                services.delivery_resend(user=request.user, delivery=delivery)
                sent += 1
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
        if sent:
            self.message_user(
                request, ngettext("%d delivery queued again.", "%d deliveries queued again.", sent) % sent
            )
