"""The API's endpoints (/api/v1/). Each one checks access through the core's one rule (`projects.queries`), reads
through the same queries as the pages, and answers with the serializers; errors are problem details
(api.problems). The token pages of the portal are in `pages.py`."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from projects.queries import indicator_progress, project_for_user, visible_projects

from .conditional import ApiView, ConditionalGetMixin
from .pagination import CodeCursorPagination
from .problems import PROBLEM_CONTENT_TYPE
from .serializers import ProblemSerializer, ProjectDetailSerializer, ProjectSerializer


def _problem(status: int, description: str) -> dict:
    return {(status, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=description)}


# The errors every endpoint may answer with, documented once (the schema's responses of each operation).
ERRORS = {
    **_problem(401, "No valid token nor session (the answer carries WWW-Authenticate: Bearer)."),
    **_problem(403, "The user's role, or a read token on a write, does not allow it."),
    **_problem(429, "Too many requests for this token: wait the seconds of the Retry-After header."),
}
NOT_FOUND = _problem(404, "No such record among those the user may see.")
# Every read carries an ETag (api.conditional): sent back in If-None-Match, an unchanged answer is a bodiless 304.
NOT_MODIFIED = {304: OpenApiResponse(description="Unchanged since the ETag given in If-None-Match.")}
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", str, OpenApiParameter.HEADER, description="The ETag of an earlier answer.", required=False
)


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
