"""Helpers shared by the test modules."""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(action: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        action()
    return len(ctx.captured_queries)


def get_ok(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response


def _add_form_values(form, data: dict) -> None:
    """The values `form` shows, as its POST sends them, into `data`."""
    from django.db.models.fields.files import FieldFile
    from django.forms import MultiWidget

    for name, field in form.fields.items():
        value, key = form[name].value(), form.add_prefix(name)
        if isinstance(field.widget, MultiWidget):
            for i, part in enumerate(field.widget.decompress(value)):
                if part is not None:
                    data[f"{key}_{i}"] = str(part)
        elif value is None or value is False or isinstance(value, FieldFile):
            continue
        elif value is True:
            data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[key] = str(value)


def _add_management(formset, data: dict, total: int) -> None:
    management = formset.management_form
    for name in management.fields:
        data[management.add_prefix(name)] = str(management[name].value())
    data[management.add_prefix("TOTAL_FORMS")] = str(total)


def admin_form_data(response) -> dict:
    """The POST that an admin add or change page (the response of its GET) sends when saved as it is shown:
    the form's values and those of the inlines' existing rows. Tests change what they need and post it."""
    data = {}
    _add_form_values(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _add_management(formset, data, len(formset.initial_forms))  # no blank rows
        for form in formset.initial_forms:
            _add_form_values(form, data)
    return data


def page_form_data(response, form: str = "form", formsets: tuple[str, ...] = ()) -> dict:
    """The POST a portal page (the response of its GET) sends when saved as it is shown: its form's values and
    every row of its formsets (named as in the page's context), the blank ones included."""
    data = {}
    _add_form_values(response.context[form], data)
    for name in formsets:
        formset = response.context[name]
        _add_management(formset, data, len(formset.forms))
        for row in formset.forms:
            _add_form_values(row, data)
    return data
