"""Forms of the IMOBEX pages (crispy-forms). Rules that span fields or roles live in the services and the models."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.forms import DateInput, VersionedFormMixin, validate_document
from projects.pickers import use_picker

from .models import Barrier, CountryCoverage, Finding, Intervention, Source


def _helper(label=None) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("save", label or _("Save")))
    return helper


class CoverageForm(VersionedFormMixin, forms.Form):
    """Move a country to another state; `states` are the ones the user's role allows from the current state. The
    country's coverage as shown is `record` (its version is checked on save)."""

    state = forms.ChoiceField(label=_("New state"))
    state_date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=DateInput(),
        help_text=_("When the country reached this state: requested, then received, then validated, in that order."),
    )
    source = forms.ChoiceField(label=_("Source"), choices=[("", "---------"), *Source.choices], required=False)
    responsible = forms.ModelChoiceField(label=_("Person responsible"), queryset=None, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, project, states: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(CountryCoverage.State.choices)
        self.fields["state"].choices = [(state, labels[state]) for state in states]
        record = kwargs.get("record")
        loaded = record is not None and CountryCoverage.responsible.is_cached(record)
        use_picker(self.fields["responsible"], "members", project, current=record.responsible if loaded else None)
        self.fields["state_date"].initial = timezone.localdate()
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if data.get("state") not in (None, CountryCoverage.State.NOT_STARTED) and not data.get("state_date"):
            self.add_error("state_date", _("Give the date of this state."))
        return data


class CoverageImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: country (ISO code, for example RO), state (not_started, requested, received, validated), "
            "source (national_agency, questionnaire, interview, open_source), date (YYYY-MM-DD), notes."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Import"))

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("Save the file as CSV in UTF-8.")) from None


NO_PERSONAL_DATA = _(
    "Record how the groups work, not who they are: do not enter names of suspects or victims, nor anything else "
    "that identifies a person (dates of birth, addresses, vehicle plates, case numbers)."
)


class FindingForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Finding
        fields = [
            "title",
            "crime_type",
            "origin_countries",
            "action_countries",
            "indicators",
            "source",
            "reliability",
            "description",
        ]
        widgets = {
            "indicators": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {"description": NO_PERSONAL_DATA}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("origin_countries", "action_countries"):
            use_picker(self.fields[name], "scope-countries")  # searched among the countries of IMOBEX's scope
        self.fields["action_countries"].required = True
        self.helper = _helper()
        self.helper.layout = Layout(
            HTML(f'<div class="alert alert-warning" data-testid="no-personal-data">{NO_PERSONAL_DATA}</div>'),
            Fieldset(
                "",
                "title",
                "crime_type",
                "origin_countries",
                "action_countries",
                "indicators",
                "source",
                "reliability",
                "description",
            ),
            "version",
        )


class BarrierForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Barrier
        fields = ["title", "legal_area", "countries", "description"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_picker(self.fields["countries"], "scope-countries")
        self.helper = _helper()


class InterventionForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Intervention
        fields = ["description", "responsible_actor", "horizon", "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class RoadMapVersionForm(forms.Form):
    document = forms.FileField(
        label=_("Document"),
        validators=[validate_document],
        help_text=_("PDF or office document, up to 25 MB."),
    )
    notes = forms.CharField(label=_("What changed"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Submit for approval"))


class RoadMapDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return for changes"))])
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
