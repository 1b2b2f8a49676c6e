"""The API's endpoints (/api/v1/). Each one checks access through the core's one rule (`projects.queries`), reads
through the same queries as the pages, and answers with the serializers; errors are problem details
(api.problems). The token pages of the portal are in `pages.py`."""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from projects.queries import indicator_progress, project_for_user, visible_projects

from .conditional import ApiView, ConditionalGetMixin
from .pagination import CodeCursorPagination
from .schema import ERRORS, IF_NONE_MATCH, NOT_FOUND, NOT_MODIFIED
from .serializers import ProjectDetailSerializer, ProjectSerializer


class ProjectList(ConditionalGetMixin, ListAPIView):
    """The projects the user may see: the portfolio's rule (`projects.queries.visible_projects`)."""

    serializer_class = ProjectSerializer
    pagination_class = CodeCursorPagination

    def get_queryset(self):
        return visible_projects(self.request.user)

    @extend_schema(
        responses={200: ProjectSerializer(many=True), **NOT_MODIFIED, **ERRORS},
        parameters=[IF_NONE_MATCH],
        operation_id="projects_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ProjectDetail(ApiView):
    """A project and its indicators' progress: the dashboard's cumulative numbers (sensitive records counted for every
    reader, as on the dashboard without filters), from the same rollups."""

    @extend_schema(
        responses={200: ProjectDetailSerializer, **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="projects_retrieve",
    )
    def get(self, request, code: str):
        project = project_for_user(request.user, code)
        context = {"request": request, "indicators": indicator_progress([project])[project.pk]}
        return Response(ProjectDetailSerializer(project, context=context).data)


class NotFoundView(ApiView):
    """Any other address under /api/: a 404 in problem details, not the portal's HTML page."""

    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request, rest: str = ""):
        raise NotFound

    post = put = patch = delete = get
