from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Deliverable, Milestone, Profile, Task, Workstream
from .pickers import use_picker
from .validators import validate_document


class VersionedFormMixin(forms.Form):
    """Carries the version of the record its user saw (a hidden `version`), for the service to refuse a stale save.

    Mix it in first: `class EventForm(VersionedFormMixin, forms.ModelForm)`. The record is the ModelForm's
    instance, or `record=` for a plain form; a record not created yet is version 0. After validation the version
    is `form.expected_version` and not in `cleaned_data`, so views pass `cleaned_data` on to the service as before,
    with `expected_version=form.expected_version` (see `projects.concurrency`).
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        record = record if record is not None else getattr(self, "instance", None)
        self.fields["version"].initial = getattr(record, "version", 0) or 0
        self.expected_version: int | None = None

    def clean(self):
        data = super().clean()
        self.expected_version = data.pop("version", None)
        return data


def project_workstream_field(field: forms.ModelChoiceField, instance) -> None:
    """The workstream select of an activity's or event's form: the workstreams of its own project (a few: a plain
    select, read in one query). Left empty on a new record, the plan's workstream for its kind is taken."""
    field.queryset = Workstream.objects.filter(project_id=instance.project_id).order_by("number")
    if instance.pk is None:
        field.help_text = _("Leave empty for the workstream the project's plan gives this kind, if there is one.")


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["organisation", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_picker(self.fields["organisation"], "organisations")
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))


# --- workstreams ------------------------------------------------------------------------------------------------------

# The extensions, size and content rules of an evidence file live on the model field (projects.validators).


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TaskForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Task
        fields = ["title", "description", "owner", "due_date", "status"]
        widgets = {"due_date": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        use_picker(self.fields["owner"], "members", project)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))


class MilestoneStatusForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["status", "reached_on"]
        widgets = {"reached_on": DateInput()}
        help_texts = {"reached_on": _("Only for a reached milestone.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))


class DeliverableStatusForm(VersionedFormMixin, forms.ModelForm):
    """The status of a deliverable and its evidence file; `approve` says whether the user may approve it."""

    evidence = forms.FileField(
        label=_("evidence file"),
        required=False,
        validators=[validate_document],
        help_text=_("PDF, office document, image or ZIP, up to 25 MB. Replaces the current file."),
    )

    class Meta:
        model = Deliverable
        fields = ["status", "delivered_on"]
        widgets = {"delivered_on": DateInput()}
        help_texts = {"delivered_on": _("Only for a submitted or approved deliverable.")}

    def __init__(self, *args, approve: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not approve:  # approving, or withdrawing an approval, is for those who may `approve`
            status = self.fields["status"]
            status.choices = [c for c in status.choices if not self.instance.is_approval_change(c[0])]
            status.disabled = len(status.choices) == 1  # an approved deliverable stays approved
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))
