"""An activity's edit, as one unit: the activity's form and the formsets of its places, countries and officers,
validated together and saved by `services.activity_save` all or nothing.

The page (`views._activity_form`) and the API (`api.activities`) both edit through `ActivityEditor`, so every rule a
form checks (the choices a user may pick, two countries for a cross-border activity, an officer listed once, who
may mark an activity sensitive) is the same for both.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from projects.models import Project

from . import services
from .forms import ActivityForm, CountryFormSet, OfficerFormSet, PlaceFormSet, officer_initial, shared_choices
from .models import JointActivity


@dataclass
class ActivityEditor:
    form: ActivityForm
    places: PlaceFormSet
    countries: CountryFormSet
    officers: OfficerFormSet

    @classmethod
    def build(cls, data, project: Project, activity: JointActivity | None) -> ActivityEditor:
        """The forms of a new activity (`activity` None) or of an existing one, bound to `data` (None: unbound)."""
        choices = shared_choices()
        form = ActivityForm(data, instance=activity, project=project, choices=choices)
        if activity is not None:
            form.fields["version"].required = True
        parent = activity or JointActivity(project=project)
        # the officers as the page showed them (also on a post, which `changed` compares with them)
        initial, officer_labels = officer_initial(activity) if activity is not None else (None, None)
        return cls(
            form=form,
            places=PlaceFormSet(data, instance=parent, prefix="places", choices=choices),
            countries=CountryFormSet(data, instance=parent, prefix="countries", choices=choices),
            officers=OfficerFormSet(
                data,
                prefix="officers",
                initial=initial,
                form_kwargs={"choices": choices},
                project=project,
                officer_labels=officer_labels,
            ),
        )

    def is_valid(self) -> bool:
        form_ok = self.form.is_valid()
        self.places.activity_type = self.form.cleaned_data.get("type")
        return all([form_ok, self.places.is_valid(), self.countries.is_valid(), self.officers.is_valid()])

    def changed(self) -> bool:
        """Whether the posted activity differs from what its forms showed (a field or a row changed, added,
        removed)."""
        return any(form.has_changed() for form in (self.form, self.places, self.countries, self.officers))

    def save(self, user) -> JointActivity:
        """Save through the service (once `is_valid`); a refusal of the service is put on the forms and raised."""
        activity = self.form.save(commit=False)

        def save_related(saved_activity: JointActivity) -> None:
            self.form.save_m2m()
            for formset in (self.places, self.countries):
                formset.instance = saved_activity
                formset.save()

        try:
            return services.activity_save(
                activity=activity,
                user=user,
                expected_version=self.form.cleaned_data.get("version"),
                officers=self.officers.entries(),
                save_related=save_related,
                changed=self.form.changed_data,
                discussed_at=self.form.cleaned_data["discussed_at"],
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "duplicate_officer":
                self.officers._non_form_errors = self.officers.error_class(error.messages)
            raise
