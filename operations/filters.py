"""Filters of the activity list: type, status, validation, country, period and free text, with sorting."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from projects.models import Country

from .models import ActivityCountry, ActivityPlace, ActivityStatus, ActivityType, JointActivity, ValidationState


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorting with the id as a tie-breaker, so that pages never repeat or skip a row."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "-pk") if value else qs


class ActivityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text")
    type = django_filters.ChoiceFilter(label=_("Type"), choices=ActivityType.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ActivityStatus.choices)
    validation_state = django_filters.ChoiceFilter(label=_("Validation"), choices=ValidationState.choices)
    country = django_filters.ModelChoiceFilter(
        label=_("Country"), queryset=Country.objects.order_by("name"), method="filter_country"
    )
    start = django_filters.DateFilter(
        label=_("From"), method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = django_filters.DateFilter(label=_("To"), method="filter_to", widget=forms.DateInput(attrs={"type": "date"}))
    sort = StableOrderingFilter(
        label=_("Sort by"),
        fields=(("start_date", "start_date"), ("title", "title"), ("type", "type"), ("status", "status")),
        field_labels={"start_date": _("Start date"), "title": _("Title"), "type": _("Type"), "status": _("Status")},
    )

    class Meta:
        model = JointActivity
        fields = ["q", "type", "status", "validation_state", "country", "start", "end"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        in_city = ActivityPlace.objects.filter(activity=OuterRef("pk"), city__icontains=value)
        return queryset.filter(
            Q(title__icontains=value) | Q(reference__icontains=value) | Q(summary__icontains=value) | Exists(in_city)
        )

    def filter_country(self, queryset, name, value):
        """Led by, taking part in, or taking place in the country."""
        takes_part = ActivityCountry.objects.filter(activity=OuterRef("pk"), country=value)
        held_in = ActivityPlace.objects.filter(activity=OuterRef("pk"), country=value)
        return queryset.filter(Q(lead_country=value) | Exists(takes_part) | Exists(held_in))

    def filter_from(self, queryset, name, value):
        """Activities that were still running on or after this date."""
        return queryset.filter(Q(end_date__gte=value) | Q(end_date__isnull=True, start_date__gte=value))

    def filter_to(self, queryset, name, value):
        """Activities that had started by this date."""
        return queryset.filter(start_date__lte=value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        start, end = self.form.cleaned_data.get("start"), self.form.cleaned_data.get("end")
        if start and end and end < start:
            self.form.add_error("end", _("The end of the period cannot be before its start."))
            return queryset.none()
        return queryset
