"""Filters of the audit trail's page (also applied to its CSV and XLSX exports)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    """Who, which project, what was done, to what kind of record, and when. Users and projects are matched by the
    text the entry keeps, so the entries of a deleted account or project are found as well."""

    user = django_filters.CharFilter(label=_("User"), field_name="username", lookup_expr="iexact")
    project = django_filters.CharFilter(label=_("Project code"), field_name="project_code", lookup_expr="iexact")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditEvent.Action.choices)
    record_type = django_filters.CharFilter(label=_("Record type"), field_name="object_type", lookup_expr="iexact")
    q = django_filters.CharFilter(label=_("Record"), field_name="object_repr", lookup_expr="icontains")
    since = django_filters.DateFilter(
        label=_("From"), field_name="at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["user", "project", "action", "record_type", "q", "since", "until"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        since, until = self.form.cleaned_data.get("since"), self.form.cleaned_data.get("until")
        if since and until and until < since:
            self.form.add_error("until", _("The end of the period cannot be before its start."))
            return queryset.none()
        return queryset
