"""The API's records in the admin: the personal tokens, for an admin to see who may reach the API and to revoke a
token at once (a lost phone, a leaked script). Tokens are created by their users (or `manage.py api_token`), never
here, and their digest is never shown. The calendar feeds too (read-only; a list action revokes them through the
service), and their fetch log. The webhooks' endpoints and delivery log: api/webhooks/admin.py."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from projects.admin_base import ReadOnlyAdmin

from .calendars.services import feed_revoke
from .models import ApiToken, CalendarFeed, FeedFetch
from .services import token_revoke
from .webhooks import admin as webhooks_admin  # noqa: F401  registers the endpoints and the delivery log


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "prefix", "user", "scope", "status_shown", "created_at", "expires_at", "last_used_at"]
    list_filter = ["scope", "revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    fields = ["name", "prefix", "user", "scope", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description=_("status"))
    def status_shown(self, token: ApiToken) -> str:
        return token.status()

    def has_change_permission(self, request, obj=None):
        # no change form (the fields are read-only), but the list's action: superusers only
        return obj is None and request.user.is_active and request.user.is_superuser

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token_revoke(user=request.user, token=token)
        message = ngettext("%(n)d token was revoked.", "%(n)d tokens were revoked.", len(tokens)) % {"n": len(tokens)}
        self.message_user(request, message, messages.SUCCESS)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "user", "project", "name", "created_at", "last_fetched_at", "fetch_count", "revoked_at"]
    list_filter = ["project"]
    list_select_related = ["user", "project"]
    search_fields = ["prefix", "name", "user__username"]
    ordering = ["-created_at", "-pk"]
    raw_id_fields = ["user"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected calendar feeds"))
    def revoke(self, request, queryset):
        feeds = list(queryset.filter(revoked_at__isnull=True))
        for feed in feeds:
            feed_revoke(user=request.user, feed=feed)
        count = len(feeds)
        self.message_user(request, ngettext("%d feed revoked.", "%d feeds revoked.", count) % count, messages.SUCCESS)


@admin.register(FeedFetch)
class FeedFetchAdmin(ReadOnlyAdmin):
    list_display = ["at", "feed", "ip", "status", "user_agent"]
    list_select_related = ["feed"]
    search_fields = ["feed__prefix", "ip"]
    ordering = ["-at", "-pk"]
    raw_id_fields = ["feed"]
