from __future__ import annotations

from datetime import date

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.forms import VersionedFormMixin
from projects.models import Country

from .content import AUDIENCES, FUNDER, MANAGERS
from .models import ProgressReport
from .services import REPORT_FORMATS


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


TEXT_LIMIT = 20_000  # characters of one text: pages of prose, not a database's worth


class ReportTextsForm(VersionedFormMixin, forms.Form):
    """What the managers write for a period's report, on one page: the highlights, a narrative per workstream, an
    explanation and a corrective measure per deviation the report found (its content's, as it is now)."""

    highlights = forms.CharField(
        label=_("Highlights of the period"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What a reader should know first: results, changes, what went well or not."),
    )

    def __init__(self, *args, content: dict, report: ProgressReport | None, **kwargs):
        super().__init__(*args, record=report, **kwargs)
        self.fields["highlights"].initial = content["summary"]["highlights"]
        self.workstream_fields, self.deviation_fields = [], []
        for ws in content["workstreams"]:
            if ws["id"] is None:
                continue
            name = f"workstream_{ws['id']}"
            self.fields[name] = forms.CharField(
                label=ws["label"],
                required=False,
                max_length=TEXT_LIMIT,
                initial=ws["narrative"],
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.workstream_fields.append((ws["id"], name))
        for index, deviation in enumerate(content["deviations"]):
            names = (f"deviation_{index}_explanation", f"deviation_{index}_measure")
            self.fields[names[0]] = forms.CharField(
                label=_("Explanation"),
                required=False,
                max_length=TEXT_LIMIT,
                initial=deviation["explanation"],
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[names[1]] = forms.CharField(
                label=_("Corrective measure"),
                required=False,
                max_length=TEXT_LIMIT,
                initial=deviation["measure"],
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            about = f"{deviation['kind_label']} · {deviation['detail']}"
            self.deviation_fields.append((deviation["key"], deviation["title"], about, *names))
        self.explained = sum(1 for deviation in content["deviations"] if deviation["explanation"])

    def texts(self) -> dict:
        """The service's arguments from the cleaned data."""
        data = self.cleaned_data
        return {
            "highlights": data["highlights"],
            "workstreams": {ws_id: data[name] for ws_id, name in self.workstream_fields},
            "deviations": {key: (data[why], data[measure]) for key, _t, _a, why, measure in self.deviation_fields},
        }


class GenerateForm(forms.Form):
    """Which files of a period's report to make: formats, audience, the current figures or a submitted version."""

    formats = forms.MultipleChoiceField(
        label=_("Formats"),
        choices=[(fmt, fmt.upper()) for fmt in REPORT_FORMATS],
        widget=forms.CheckboxSelectMultiple,
        initial=list(REPORT_FORMATS),
        error_messages={"required": _("Choose at least one format.")},
    )
    audience = forms.ChoiceField(label=_("For"), choices=list(AUDIENCES.items()), widget=forms.RadioSelect)
    version = forms.TypedChoiceField(label=_("Figures"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args, versions: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [("", _("Current figures (a draft)"))] + [
            (number, _("Submitted version %(number)s (frozen)") % {"number": number}) for number in versions
        ]
        # a submitted report goes to the funder: its frozen version, counts only, is what one regenerates
        self.fields["version"].initial = versions[0] if versions else ""
        self.fields["audience"].initial = FUNDER if versions else MANAGERS


class SubmitForm(forms.Form):
    on = forms.DateField(
        label=_("Submitted to the funder on"), widget=DateInput(), validators=DATE_BOUNDS, initial=timezone.localdate
    )


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
