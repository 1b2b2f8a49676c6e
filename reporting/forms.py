from __future__ import annotations

from datetime import date

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from projects.forms import VersionedFormMixin
from projects.models import Country

from .models import ProgressReport


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


# The dates a filter accepts: wide enough for any project, narrow enough that "the day before" is a date.
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)
DATE_BOUNDS = [MinValueValidator(EARLIEST), MaxValueValidator(LATEST)]


class DashboardFilterForm(forms.Form):
    """The project dashboard's filters: a period (a reporting period or two dates) and a country."""

    period = forms.CharField(required=False, label=_("Reporting period"))
    since = forms.DateField(required=False, label=_("From"), widget=DateInput(), validators=DATE_BOUNDS)
    until = forms.DateField(required=False, label=_("To"), widget=DateInput(), validators=DATE_BOUNDS)
    country = forms.RegexField(regex=r"^[A-Z]{2}$", required=False, label=_("Country"))

    def clean_country(self) -> str:
        code = self.cleaned_data.get("country") or ""
        if code and not Country.objects.filter(code=code).exists():
            raise ValidationError(_("No country has the code %(code)s.") % {"code": code})
        return code

    def clean(self):
        data = super().clean()
        if data.get("period"):  # "YYYY-MM-DD:YYYY-MM-DD", the value of a reporting period's option
            try:
                since, until = (date.fromisoformat(part) for part in data["period"].split(":"))
            except ValueError:
                raise ValidationError({"period": _("Choose a period from the list.")}) from None
            if not (EARLIEST <= since <= LATEST and EARLIEST <= until <= LATEST):
                raise ValidationError({"period": _("Choose a period from the list.")})
            data["since"], data["until"] = since, until
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ValidationError({"until": _("The end cannot be before the start.")})
        return data

    def filters(self) -> dict:
        """since/until/country for the queries (empty when the form is not valid)."""
        if not self.is_valid():
            return {"since": None, "until": None, "country": ""}
        return {
            "since": self.cleaned_data.get("since"),
            "until": self.cleaned_data.get("until"),
            "country": self.cleaned_data.get("country") or "",
        }


class NarrativeForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = ProgressReport
        fields = ["narrative"]
        widgets = {"narrative": forms.Textarea(attrs={"rows": 10})}
        help_texts = {"narrative": _("What was done in the period, what changed, what comes next.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save the narrative")))


class PreferencesForm(forms.Form):
    """One checkbox per reminder kind."""

    def __init__(self, *args, preferences: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        for pref in preferences:
            kind = pref["kind"]
            self.fields[kind.key] = forms.BooleanField(
                required=False, initial=pref["enabled"], label=kind.label, help_text=kind.description
            )
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))
