"""Writes of the API app: personal tokens, created and revoked by their owner (the portal's page or the
`api_token` command), both in the audit trail."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.audit import audit_log
from projects.models import AuditEvent

from .idempotency import IDEMPOTENCY_HOURS
from .models import ApiToken, IdempotentRequest, Tombstone
from .tokens import new_token, shown_prefix, token_digest

DEFAULT_DAYS = 90
MAX_DAYS = 365
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token


def validate_token_fields(*, name: str, scope: str, days: int) -> None:
    errors = {}
    if not name or not name.strip():
        errors["name"] = _("Give the token a name.")
    elif len(name.strip()) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = _("The name is too long.")
    if scope not in ApiToken.Scope.values:
        errors["scope"] = _("The scope is read or write.")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        errors["days"] = _("A token lasts from 1 to %(max)d days.") % {"max": MAX_DAYS}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def token_create(
    *, user, name: str, scope: str = ApiToken.Scope.READ, days: int = DEFAULT_DAYS
) -> tuple[ApiToken, str]:
    """A new token for `user`: the row, and the token's text, which is shown once and never stored."""
    validate_token_fields(name=name, scope=scope, days=days)
    plaintext = new_token()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        scope=scope,
        digest=token_digest(plaintext),
        prefix=shown_prefix(plaintext),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_log(
        user=user,
        action=AuditEvent.Action.CREATE,
        obj=token,
        details={"scope": scope, "expires_at": token.expires_at.isoformat(), "prefix": token.prefix},
    )
    return token, plaintext


@transaction.atomic
def token_revoke(*, user, token: ApiToken) -> ApiToken:
    """Revoke one of the user's own tokens, or as an admin anyone's (a lost phone, a leaked script); a token of
    another user is refused to anyone else. Revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().filter(pk=token.pk).first()
    if token is None or (token.user_id != user.pk and not user.is_superuser):
        raise ValidationError(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        details = {"revoked": True, **({"owner": token.user.get_username()} if token.user_id != user.pk else {})}
        audit_log(user=user, action=AuditEvent.Action.CHANGE, obj=token, details=details)
    return token


def token_touch(*, token: ApiToken) -> None:
    """Note that the token was used, at most once a minute (one conditional UPDATE; bookkeeping, not audited)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gt=now - LAST_USED_EVERY).update(last_used_at=now)
    token.last_used_at = now


def api_purge(now=None) -> dict[str, int]:
    """Forget what the API keeps only for a while: the answers of idempotent requests (after IDEMPOTENCY_HOURS) and
    the tombstones of incremental sync (after PORTAL_API_SYNC_DAYS, when a cursor that old is refused anyway)."""
    now = now or timezone.now()
    keys, _ = IdempotentRequest.objects.filter(created_at__lt=now - timedelta(hours=IDEMPOTENCY_HOURS)).delete()
    tombstones, _ = Tombstone.objects.filter(at__lt=now - timedelta(days=settings.PORTAL_API_SYNC_DAYS)).delete()
    return {"idempotent requests": keys, "tombstones": tombstones}
