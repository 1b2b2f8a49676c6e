from django.urls import reverse
from rest_framework import serializers

from projects.models import Project


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details: every error of the API (api.problems)."""

    type = serializers.CharField(help_text="A URI that names the kind of problem; about:blank for a plain HTTP error.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(help_text="The path of the request.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: the messages of each field.",
    )


class ProjectSerializer(serializers.ModelSerializer):
    """A project the client's user may see, with the user's role in it."""

    role = serializers.CharField(source="user_role", read_only=True, help_text="The user's role in the project.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = ["code", "name", "acronym", "status", "start_date", "end_date", "role", "url"]

    def get_url(self, project: Project) -> str:
        request = self.context["request"]
        return request.build_absolute_uri(reverse("api:project-detail", kwargs={"code": project.code}))


class IndicatorProgressSerializer(serializers.Serializer):
    """An indicator's achieved value: the dashboard's cumulative number (`projects.queries.IndicatorProgress`)."""

    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    target = serializers.IntegerField()
    achieved = serializers.IntegerField(allow_null=True, help_text="null while no app measures the indicator")
    percent = serializers.IntegerField(allow_null=True)


class ProjectDetailSerializer(ProjectSerializer):
    indicators = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "funding_programme", "description", "indicators"]

    def get_indicators(self, project: Project) -> list[dict]:
        return IndicatorProgressSerializer([item.as_dict() for item in self.context["indicators"]], many=True).data
