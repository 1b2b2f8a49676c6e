from rest_framework.pagination import CursorPagination


class CodeCursorPagination(CursorPagination):
    """Cursor pagination over (code, pk): stable while records are added, and no COUNT query."""

    ordering = ("code", "pk")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
