"""`Authorization: Bearer <token>`: a personal API token (api.models.ApiToken) stands for its user."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from .models import ApiToken
from .services import token_touch
from .tokens import token_digest

KEYWORD = b"bearer"


class BearerTokenAuthentication(BaseAuthentication):
    """A token is found by its digest (an index lookup: nothing compares secrets character by character). A revoked
    or expired token, or one of an inactive user, is refused with 401. It comes first in the settings' list, so that
    an unauthenticated request gets 401 with `WWW-Authenticate: Bearer` (not 403)."""

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != KEYWORD:
            return None  # not ours: the session may authenticate the request
        if len(words) != 2:
            raise AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        try:
            text = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Invalid token.")) from None
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(text)).first()
        if token is None or not token.user.is_active:
            raise AuthenticationFailed(_("Invalid token."))
        status = token.status()
        if status == "revoked":
            raise AuthenticationFailed(_("This token was revoked."))
        if status == "expired":
            raise AuthenticationFailed(_("This token has expired."))
        token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the schema documents the token (drf-spectacular finds this class by the authentication class's path)."""

    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (Account → API tokens, or `manage.py api_token`).",
        }
