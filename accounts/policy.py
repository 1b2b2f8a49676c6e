"""Who must use a second factor: the one rule, read by the enrolment middleware, the demo data and the tests."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser


def second_factor_required(user: AbstractBaseUser) -> bool:
    """Administrators (superusers) and the managers of any project: they see sensitive records and change roles."""
    from projects.models import Membership

    if not user.is_authenticated:
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role=Membership.Role.MANAGER).exists()


def has_second_factor(user: AbstractBaseUser) -> bool:
    """An authenticator app is set up (recovery codes alone are a way back in, not a factor of their own)."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def second_factor_missing(user: AbstractBaseUser) -> bool:
    return second_factor_required(user) and not has_second_factor(user)
