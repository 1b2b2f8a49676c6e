"""Filters of the audit trail's page (also applied to its CSV and XLSX exports)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditEventFilter(django_filters.FilterSet):
    """Who, which project, what was done, to what kind of record, and when. Users and projects are matched by the
    text the entry keeps, so the entries of a deleted account or project are found as well."""

    user = django_filters.CharFilter(label=_("User"), field_name="username", lookup_expr="iexact")
    project = django_filters.CharFilter(label=_("Project code"), field_name="project_code", lookup_expr="iexact")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditEvent.Action.choices)
    record_type = django_filters.CharFilter(label=_("Record type"), field_name="object_type", lookup_expr="iexact")
    q = django_filters.CharFilter(label=_("Record"), field_name="object_repr", lookup_expr="icontains")
    since = django_filters.DateFilter(
        label=_("From"), method="filter_since", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label=_("To"), method="filter_until", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["user", "project", "action", "record_type", "q", "since", "until"]

    # Days in the reader's time zone, as a range of instants: the index on `at` serves it (`at__date` would not).
    def filter_since(self, queryset, name, value):
        return queryset.filter(at__gte=_start_of(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(at__lt=_start_of(value + timedelta(days=1)))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        since, until = self.form.cleaned_data.get("since"), self.form.cleaned_data.get("until")
        if since and until and until < since:
            self.form.add_error("until", _("The end of the period cannot be before its start."))
            return queryset.none()
        return queryset
