from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A personal API token: a client sends it as `Authorization: Bearer <token>` and acts as its user.

    Only the SHA-256 digest of the token is stored (a token is 256 random bits, so a fast digest is enough and a
    slow password hasher would run on every request); `prefix` is its first characters, shown to tell tokens apart.
    Every token expires; a revoked one stays listed, for the record.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def allows_writes(self) -> bool:
        return self.scope == self.Scope.WRITE

    def status(self, now=None) -> str:
        """ "active", "expired" or "revoked"."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"

    @property
    def is_active(self) -> bool:
        return self.status() == "active"


class IdempotentRequest(models.Model):
    """A POST sent with an `Idempotency-Key` header and the answer it got (api.idempotency).

    A client that did not hear the answer (a flaky network) sends the same request again with the same key: it gets
    the stored answer instead of creating the record twice. Kept `IDEMPOTENCY_HOURS`; the key is the client's, unique
    per user; `fingerprint` is a digest of the method, path and body, so the same key on another request is refused.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.TextField(blank=True)  # the answer's JSON as text: the same keys in the same order when replayed
    location = models.CharField(max_length=500, blank=True)
    etag = models.CharField(max_length=20, blank=True, help_text="The version of the record the answer carried.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotent_user_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"


class Tombstone(models.Model):
    """A record that incremental sync reports as gone (api.sync): deleted, or hidden from some readers.

    `hidden`: the record became sensitive, so those who do not see sensitive records must drop it (managers keep it:
    for them it is a change). `sensitive`: the record was sensitive when it was deleted, so only those who see
    sensitive records hear of it (the others never had it, and its id is not theirs to learn).
    """

    kind = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    hidden = models.BooleanField(default=False)
    sensitive = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("sync tombstone")
        verbose_name_plural = _("sync tombstones")
        indexes = [models.Index(fields=["project", "kind", "id"], name="api_tombstone_project_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({'hidden' if self.hidden else 'deleted'})"


class CalendarFeed(models.Model):
    """A private iCalendar feed of one project for one user: `/calendars/<token>.ics`, which a calendar program
    (theirs, or a third party's service) subscribes to without signing in.

    The token is kept as a SHA-256 digest, as an API token's (`api.tokens`). The feed answers only while it is not
    revoked, its user is active and still may view the project; otherwise, and for an unknown token, 404. It lists
    what every viewer of the project sees, never sensitive records, whatever its user's role (`api.calendars`).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    fetch_count = models.PositiveIntegerField(_("fetches"), default=0)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        indexes = [models.Index(fields=["user", "-created_at"], name="api_feed_user_created")]

    def __str__(self) -> str:
        return f"{self.name or _('Calendar feed')} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class FeedFetch(models.Model):
    """One fetch of a calendar feed: when, from which address, by which program (bookkeeping, not audited)."""

    USER_AGENT_LENGTH = 200

    feed = models.ForeignKey(CalendarFeed, on_delete=models.CASCADE, related_name="fetches")
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("program"), max_length=USER_AGENT_LENGTH, blank=True)
    status = models.PositiveSmallIntegerField(_("answer"), default=200)  # 200, or 304 for an unchanged feed

    class Meta:
        verbose_name = _("calendar feed fetch")
        verbose_name_plural = _("calendar feed fetches")
        indexes = [models.Index(fields=["feed", "-at"], name="api_feedfetch_feed_at")]

    def __str__(self) -> str:
        return f"{self.feed_id} {self.at:%Y-%m-%d %H:%M}"


from .webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: E402, F401  the webhooks' models (api/webhooks/)
