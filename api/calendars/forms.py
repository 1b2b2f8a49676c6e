from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from projects.queries import visible_projects


class FeedForm(forms.Form):
    """A new calendar feed: one of the projects the user may view (a handful), and a name to tell feeds apart."""

    project = forms.ModelChoiceField(label=_("Project"), queryset=None, to_field_name="code")
    name = forms.CharField(
        label=_("Name"), max_length=100, required=False,
        help_text=_("Where you use it, e.g. “Outlook at work” (optional)."),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = visible_projects(user).order_by("code")
        self.helper = FormHelper()
        self.helper.add_input(Submit("create", _("Create feed")))
