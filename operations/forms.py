"""Forms of the joint activities: the activity with its places, countries and officers, evaluations, SPOCs."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Field, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, BaseInlineFormSet, formset_factory, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from projects.models import Country, Organisation

from .models import (
    ActivityAttachment,
    ActivityCountry,
    ActivityPlace,
    ActivityStatus,
    ActivityType,
    Evaluation,
    JointActivity,
    OfficerRole,
)
from .services import OfficerEntry


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SharedChoicesMixin:
    """Forms repeated in a formset reuse one list of choices instead of one query per form and field."""

    def share_choices(self, choices: dict[str, list] | None) -> None:
        for name, options in (choices or {}).items():
            if name in self.fields:
                self.fields[name].choices = [("", "---------"), *options]


def shared_choices() -> dict[str, list]:
    """Countries and organisations, read once per page for every form of its formsets."""
    return {
        "country": [(c.pk, c.name) for c in Country.objects.order_by("name")],
        "organisation": [(o.pk, str(o)) for o in Organisation.objects.order_by("name")],
    }


class ActivityForm(forms.ModelForm):
    """The activity itself. Its status is chosen once, when it is logged; then it moves only by transitions."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = JointActivity
        fields = [
            "type",
            "title",
            "reference",
            "lead_country",
            "lead_agency",
            "participating_agencies",
            "start_date",
            "end_date",
            "status",
            "summary",
            "related_activity",
            "meeting_purpose",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "participating_agencies": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, project, choices: dict[str, list] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        choices = choices or shared_choices()
        self.fields["lead_country"].choices = [("", "---------"), *choices["country"]]
        self.fields["lead_agency"].choices = [("", "---------"), *choices["organisation"]]
        self.fields["participating_agencies"].choices = choices["organisation"]
        related = JointActivity.objects.filter(project=project).exclude(type=ActivityType.BILATERAL_MEETING)
        if self.instance.pk:
            related = related.exclude(pk=self.instance.pk)
            del self.fields["status"]
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]
            self.fields["status"].initial = ActivityStatus.PLANNED
        self.fields["related_activity"].queryset = related.order_by("-start_date", "-pk")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(Column("type", css_class="col-md-4"), Column("title", css_class="col-md-5"), Column("reference")),
            Row(Column("lead_country"), Column("lead_agency"), Column("participating_agencies")),
            Row(Column("start_date"), Column("end_date"), *([Column("status")] if "status" in self.fields else [])),
            "summary",
            Div(Row(Column("related_activity"), Column("meeting_purpose")), css_class="border rounded p-2 mb-3"),
            *([Field("version")] if "version" in self.fields else []),
        )


class PlaceFormSetBase(BaseInlineFormSet):
    """The places; the rules that need all of them (at least one, two countries when cross-border) apply here."""

    activity_type: str | None = None

    def __init__(self, *args, choices: dict[str, list] | None = None, **kwargs):
        self.choices = choices
        super().__init__(*args, **kwargs)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        SharedChoicesMixin.share_choices(form, self.choices)
        return form

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        places = [
            (form.cleaned_data["city"], form.cleaned_data["country"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        activity_type = self.activity_type or self.instance.type
        JointActivity.check_places(activity_type, places)


class CountryFormSetBase(PlaceFormSetBase):
    def clean(self) -> None:
        BaseInlineFormSet.clean(self)


PlaceFormSet = inlineformset_factory(
    JointActivity, ActivityPlace, formset=PlaceFormSetBase, fields=["city", "country"], extra=2, can_delete=True
)
CountryFormSet = inlineformset_factory(
    JointActivity,
    ActivityCountry,
    formset=CountryFormSetBase,
    fields=["country", "officers_deployed"],
    extra=2,
    can_delete=True,
)


class OfficerForm(SharedChoicesMixin, forms.Form):
    name = forms.CharField(
        label=_("Name or reference"),
        max_length=200,
        help_text=_("A pseudonymous reference is enough."),
    )
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all())
    organisation = forms.ModelChoiceField(label=_("Agency"), queryset=Organisation.objects.all(), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[("", "---------"), *OfficerRole.choices])

    def __init__(self, *args, choices: dict[str, list] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.share_choices(choices)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class OfficerFormSetBase(BaseFormSet):
    """The officers: the same officer (name, country, agency) may appear only once in an activity."""

    def clean(self) -> None:
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            key = (data["name"].casefold(), data["country"].pk, data["organisation"].pk if data["organisation"] else 0)
            if key in seen:
                form.add_error("name", _("This officer is already listed in this activity."))
            seen.add(key)

    def entries(self) -> list[OfficerEntry]:
        return [
            OfficerEntry(
                name=form.cleaned_data["name"],
                country=form.cleaned_data["country"],
                organisation=form.cleaned_data["organisation"],
                role=form.cleaned_data["role"],
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


OfficerFormSet = formset_factory(OfficerForm, formset=OfficerFormSetBase, extra=3, can_delete=True)


def officer_initial(activity: JointActivity) -> list[dict]:
    return [
        {
            "name": o.person.name,
            "country": o.person.country_id,
            "organisation": o.person.organisation_id,
            "role": o.role,
        }
        for o in activity.officers.select_related("person").order_by("person__name")
    ]


class TransitionForm(forms.Form):
    """The buttons that move an activity: they carry the version the user saw, so a stale click is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EvaluationForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = ["country", "objectives_met", "rating", "what_worked", "problems", "lessons", "recommendations"]
        widgets = {
            "rating": forms.Select(choices=[("", "---------"), *[(i, f"{i} / 5") for i in range(1, 6)]]),
            **{f: forms.Textarea(attrs={"rows": 2}) for f in ("what_worked", "problems", "lessons", "recommendations")},
        }

    def __init__(self, *args, activity: JointActivity, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.activity = activity
        taking_part = {activity.lead_country_id, *activity.countries.values_list("country_id", flat=True)}
        self.fields["country"].queryset = Country.objects.filter(pk__in=taking_part)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("country"), Column("objectives_met"), Column("rating")),
            "what_worked",
            "problems",
            "lessons",
            "recommendations",
        )
        self.helper.add_input(Submit("save", _("Save the evaluation")))


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = ActivityAttachment
        fields = ["kind", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class SpocForm(forms.Form):
    name = forms.CharField(label=_("Name or reference"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all())
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Organisation.objects.all())
    area = forms.CharField(label=_("Area of competence"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("name"), Column("email")), Row(Column("country"), Column("agency")), "area"
        )
        self.helper.add_input(Submit("add", _("Add to the directory")))

    def clean(self):
        data = super().clean()
        agency, country = data.get("agency"), data.get("country")
        if agency and country and agency.country_id and agency.country_id != country.pk:
            raise ValidationError({"agency": _("This agency is not in the chosen country.")})
        return data
