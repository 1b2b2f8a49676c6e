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


from .webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: E402  the webhooks' models (api/webhooks/)

__all__ = ["ApiToken", "WebhookDelivery", "WebhookEndpoint"]
