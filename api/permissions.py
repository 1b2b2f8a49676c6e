from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import ApiToken


class TokenScope(BasePermission):
    """A `read` token reads only: an unsafe method is refused with 403. A `write` token, or a session, goes on to the
    view's own access rule (the same as the pages': `projects.queries.project_for_user`)."""

    message = "This token may only read (its scope is read)."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or not isinstance(request.auth, ApiToken):
            return True
        return request.auth.allows_writes
