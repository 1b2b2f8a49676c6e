"""The countries' evaluations of a completed joint activity: read with the activity (its detail and its sync carry
them), listed here, and added through the page's form (`operations.forms.EvaluationForm`) and service."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import QueryDict
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from operations import services
from operations.forms import EvaluationForm
from projects.access import Action

from .activities import _activity, _project
from .activities_io import EvaluationSerializer, EvaluationWriteSerializer, country_ids, known_fields
from .conditional import ApiView
from .idempotency import IDEMPOTENCY_KEY, IdempotentPostMixin
from .problems import django_errors, form_field_errors
from .schema import ERRORS, IF_NONE_MATCH, NOT_FOUND, NOT_MODIFIED, WRITE_ERRORS

FIELDS = EvaluationWriteSerializer.Meta.fields


class ActivityEvaluations(IdempotentPostMixin, ApiView):
    """The evaluations of an activity the user may see; staff add one per country that took part, once the activity
    is completed."""

    @extend_schema(
        responses={200: EvaluationSerializer(many=True), **NOT_MODIFIED, **ERRORS, **NOT_FOUND},
        parameters=[IF_NONE_MATCH],
        operation_id="activities_evaluations_list",
    )
    def get(self, request, code: str, pk: int):
        activity = _activity(_project(request, code), pk)
        evaluations = activity.evaluations.select_related("country").order_by("country__name", "pk")
        return Response(EvaluationSerializer(evaluations, many=True).data)

    @extend_schema(
        request=EvaluationWriteSerializer,
        responses={201: EvaluationSerializer, **WRITE_ERRORS, **NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
        operation_id="activities_evaluations_create",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, code: str, pk: int):
        activity = _activity(_project(request, code, Action.EDIT), pk)
        body = known_fields(request.data, FIELDS)
        data = QueryDict(mutable=True)
        data.update({name: "" if value is None else str(value) for name, value in country_ids(body, "country").items()})
        form = EvaluationForm(data, activity=activity)
        if not form.is_valid():
            raise exceptions.ValidationError(form_field_errors(form.errors))
        try:
            evaluation = services.evaluation_save(evaluation=form.save(commit=False), user=request.user)
        except DjangoValidationError as error:
            raise exceptions.ValidationError(django_errors(error)) from None
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)
