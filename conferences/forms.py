"""Forms of the conferences app (crispy-forms). Rules that span records are in the services, not here."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from projects.forms import VersionedFormMixin, project_workstream_field
from projects.models import Country, Organisation, Person
from projects.pickers import use_country_picker, use_picker
from projects.validators import validate_file_content

from .models import BestPractice, Event, FeedbackResponse, Registration, Session


def _helper(label: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("save", label))
    return helper


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class EventForm(VersionedFormMixin, forms.ModelForm):
    """An event's details; not its status, which moves only by its transitions (`services.event_transition`)."""

    class Meta:
        model = Event
        fields = list(Event.audit_fields)  # the details a person edits are the ones the trail keeps old and new
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "registration_deadline": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_picker(self.fields["training_provider"], "organisations")
        project_workstream_field(self.fields["workstream"], self.instance)
        self.helper = _helper(_("Save"))


class TransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = event.allowed_transitions()


class SessionForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Session
        fields = ["day", "starts_at", "ends_at", "title", "description", "speakers", "moderators", "room"]
        widgets = {
            "starts_at": TimeInput(),
            "ends_at": TimeInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        event = self.instance.event
        self.fields["day"] = forms.TypedChoiceField(
            label=_("Day"),
            choices=[(day.isoformat(), f"{day:%A %d %B %Y}") for day in event.days],
            coerce=lambda value: forms.DateField().clean(value),
            initial=self.instance.day.isoformat() if self.instance.day else None,
        )
        self.helper = _helper(_("Save"))


class RegistrationForm(forms.Form):
    """Who registers: found again among the people already known, or added (see `person_find_or_create`)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.select_related("country"),
        required=False,
        help_text=_("Its type (law enforcement, international, private, academia) is the organisation's."),
    )
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all())
    email = forms.EmailField(label=_("E-mail"), required=False, help_text=_("For the certificate and the survey."))
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", _("Not given")), *Person.Gender.choices], required=False
    )
    role = forms.ChoiceField(label=_("Role"), choices=Registration.Role.choices, initial=Registration.Role.DELEGATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_picker(self.fields["organisation"], "organisations")
        use_country_picker(self.fields["country"])
        self.helper = _helper(_("Register"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Participant list"),
        help_text=_("A .csv (UTF-8) or .xlsx file; the first row names the columns."),
        validators=[validate_file_content],  # its content must be what its extension says (not a renamed program)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Check the list"))


class BestPracticeForm(forms.ModelForm):
    class Meta:
        model = BestPractice
        fields = ["title", "summary", "crime_area", "country", "session"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = Session.objects.filter(event=self.instance.event)
        self.helper = _helper(_("Save"))


RATING_CHOICES = [(n, str(n)) for n in range(1, 6)]


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = FeedbackResponse
        fields = ["overall", "content", "organisation", "usefulness", "comments"]
        widgets = {"comments": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in FeedbackResponse.RATINGS:
            self.fields[name] = forms.TypedChoiceField(
                label=self.fields[name].label,
                choices=RATING_CHOICES,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "form-check-inline"}),
                help_text=_("1 = poor, 5 = excellent"),
            )
        self.helper = _helper(_("Send my answers"))
