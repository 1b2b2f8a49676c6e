from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """Cursor pagination: stable while records are added, and no COUNT query. A cursor the API did not give is a 400
    on the `cursor` parameter (REST framework answers 404, as if the list were gone)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            message = _("This cursor is not one this API gave.")
            raise exceptions.ValidationError({self.cursor_query_param: [message]}) from None


class CodeCursorPagination(ApiCursorPagination):
    """The projects, by code."""

    ordering = ("code", "pk")
