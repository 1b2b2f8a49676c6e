"""List filters (django-filter) of the events list and the best-practices library."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.models import Country

from .models import BestPractice, Event, Registration
from .queries import registrations_matching


class EventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Event.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Event.Status.choices)
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="start_date", lookup_expr="year", min_value=1990, max_value=2100, decimal_places=0
    )

    class Meta:
        model = Event
        fields = ["q", "kind", "status", "year"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(theme__icontains=value) | Q(city__icontains=value))


class BestPracticeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    crime_area = django_filters.ChoiceFilter(label=_("Crime area"), choices=BestPractice.CrimeArea.choices)
    country = django_filters.ModelChoiceFilter(label=_("Country"), queryset=Country.objects.all())

    class Meta:
        model = BestPractice
        fields = ["q", "crime_area", "country"]

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(summary__icontains=word)
                | Q(event__title__icontains=word)
                | Q(session__title__icontains=word)
            )
        return queryset


class RegistrationFilter(django_filters.FilterSet):
    """The participants of an event: the check-in desk's search, a role, a country, attended or not (on the
    `attended` annotation of `queries.registrations_of_event`)."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Registration.Role.choices)
    country = django_filters.CharFilter(label=_("Country (ISO code)"), field_name="person__country__code")
    attended = django_filters.BooleanFilter(label=_("Attended"), field_name="attended")

    class Meta:
        model = Registration
        fields = ["q", "role", "country", "attended"]

    def search(self, queryset, name, value):
        return registrations_matching(queryset, value)
