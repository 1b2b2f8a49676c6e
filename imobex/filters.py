"""Filters of the findings list (also applied to its CSV and XLSX exports)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .models import ExploitationIndicator, Finding, Source, scope_countries


class FindingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text")
    crime_type = django_filters.ChoiceFilter(label=_("Crime type"), choices=Finding.CrimeType.choices)
    origin = django_filters.ModelChoiceFilter(
        label=_("Groups come from"), queryset=scope_countries().order_by("name"), method="filter_origin"
    )
    acting_in = django_filters.ModelChoiceFilter(
        label=_("Groups act in"), queryset=scope_countries().order_by("name"), method="filter_acting_in"
    )
    indicator = django_filters.ModelChoiceFilter(
        label=_("Exploitation indicator"), queryset=ExploitationIndicator.objects.all(), method="filter_indicator"
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Source.choices)
    reliability = django_filters.ChoiceFilter(label=_("Reliability"), choices=Finding.Reliability.choices)

    class Meta:
        model = Finding
        fields = ["q", "crime_type", "origin", "acting_in", "indicator", "source", "reliability"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    # Exists() rather than joins, so that a finding never appears twice.
    def filter_origin(self, queryset, name, value):
        through = Finding.origin_countries.through
        return queryset.filter(Exists(through.objects.filter(finding=OuterRef("pk"), country=value)))

    def filter_acting_in(self, queryset, name, value):
        through = Finding.action_countries.through
        return queryset.filter(Exists(through.objects.filter(finding=OuterRef("pk"), country=value)))

    def filter_indicator(self, queryset, name, value):
        through = Finding.indicators.through
        return queryset.filter(Exists(through.objects.filter(finding=OuterRef("pk"), exploitationindicator=value)))
