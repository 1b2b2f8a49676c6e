"""Search-as-you-type choices of records: the one widget, field set-up and search that every picker uses.

A select listing every organisation, event or activity grows with the data (thousands of options: a query and
megabytes on every page). A picker's <select> holds only the chosen option(s) (one query for their labels, none on
a new form) and the address of its JSON search in `data-picker-url`; `static/js/picker.js` turns it into a
type-ahead. Without JavaScript the form still shows, keeps and clears the current value.

What may be picked is declared once, as a `Picker` contribution (`projects.registry.Picker`): the endpoint
(`projects.views.pick`, `/projects/<code>/pick/<key>/` or `/pick/<key>/`) searches `picker.records(project)` and the
form's field validates against the very same queryset, so a forged id of a record the user may not see is refused
next to the field like any invalid choice, and never shown back.

    use_picker(self.fields["lead_agency"], "organisations")
    use_picker(self.fields["discussed_at"], "discussion_events", project)
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django import forms
from django.db.models import Case, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .registry import Picker, registry

PICK_LIMIT = 20  # results of one search; `more` says there are others (type more to narrow)
MIN_CHARS = 2  # shorter text finds nothing: a search for one letter would match most rows (a picker may ask fewer)
MAX_CHARS = 100  # longer text is cut: no name, title or reference is longer, and the query stays small
MAX_WORDS = 5  # words searched (each must be found), so a pasted paragraph does not build a huge query
EMPTY_LABEL = "---------"


def organisation_label(organisation) -> str:
    """An organisation as pickers show it: its name (and acronym) and its country's code."""
    country = organisation.country.code if organisation.country_id else ""
    return f"{organisation} – {country}" if country else str(organisation)


def person_label(person) -> str:
    """A person as pickers show them: the name, the organisation and the country (select_related both); never an
    e-mail, which each project keeps apart (`PersonContact`)."""
    where = ", ".join(
        part
        for part in (
            person.organisation.acronym or person.organisation.name if person.organisation_id else "",
            person.country.code,
        )
        if part
    )
    return f"{person.name} ({where})"


def user_label(user) -> str:
    return user.get_full_name() or user.username


def picker_or_none(key: str, *, scoped: bool) -> Picker | None:
    picker = registry.picker(key)
    return picker if picker is not None and picker.scoped == scoped else None


def picker_records(picker: Picker, project=None) -> QuerySet:
    """The records the user may pick: `project` is the page's (carrying the user's role), None when not scoped."""
    return picker.records(project if picker.scoped else None)


def picker_url(picker: Picker, project=None) -> str:
    if picker.scoped:
        return reverse("projects:project-pick", kwargs={"code": project.code, "key": picker.key})
    return reverse("projects:pick", kwargs={"key": picker.key})


def pick_search(picker: Picker, project, text: str, *, exclude: str = "") -> dict:
    """`{"results": [{"id", "text"}], "more": bool}`: at most PICK_LIMIT records whose search fields contain every
    word of `text`, in one query. `exclude` leaves one id out (the record being edited, which cannot pick itself)."""
    words = " ".join(text[:MAX_CHARS].split())
    if len(words) < max(picker.min_chars, 1):
        return {"results": [], "more": False}
    records = picker_records(picker, project)
    for word in words.split()[:MAX_WORDS]:
        records = records.filter(reduce(or_, (Q(**{f"{name}__icontains": word}) for name in picker.search)))
    if as_id(exclude) is not None:
        records = records.exclude(pk=as_id(exclude))
    # What starts with the text comes first ("b": Belgium and Bulgaria before Albania), then the picker's order.
    starts = Q(**{f"{picker.search[0]}__istartswith": words})
    records = records.annotate(pick_starts=Case(When(starts, then=Value(0)), default=Value(1)))
    rows = list(records.order_by("pick_starts", *picker.order)[: PICK_LIMIT + 1])
    results = [{"id": row.pk, "text": picker.text(row)} for row in rows[:PICK_LIMIT]]
    return {"results": results, "more": len(rows) > PICK_LIMIT}


def as_id(value) -> int | None:
    """A record id from a posted or typed value, or None (not an id, or beyond any bigint: never a query error)."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def picker_labels(key: str, values, project=None) -> dict[str, str]:
    """{pk: text} of the records among `values` (ids, as posted or initial) the user may pick, in one query: what a
    formset hands to the SearchSelect of each of its rows (`use_picker(..., labels=...)`)."""
    picker = registry.picker(key)
    ids = {as_id(v) for v in values} - {None}
    if not ids:
        return {}
    return {str(record.pk): picker.text(record) for record in picker_records(picker, project).filter(pk__in=ids)}


class SearchSelect(forms.Select):
    """A <select> holding only the chosen option (and an empty one to clear it), for `picker.js` to enhance.

    The labels of the chosen records are read in one query from the field's queryset (so an id the user may not
    see is never labelled), unless `labels` ({pk: text}) already has them (a formset reads all its rows' at once).
    """

    def __init__(
        self,
        attrs=None,
        *,
        url: str = "",
        labels: dict | None = None,
        min_chars: int = MIN_CHARS,
        new: str = "",
        new_same: str = "",
    ):
        super().__init__(attrs)
        placeholder = (
            _("Type to search")
            if min_chars <= 1
            else _("Type at least %(count)d letters to search") % {"count": min_chars}
        )
        self.attrs.update(
            {
                "data-picker-url": url,
                "data-picker-min": str(min_chars),
                "data-picker-placeholder": placeholder,
                "data-picker-empty": _("No match"),
                "data-picker-more": _("More records match: type more to narrow the list."),
                "data-picker-error": _("The search failed. Try again."),
                "data-picker-remove": _("Remove"),
                "data-picker-unpicked": _("“%(text)s” was not chosen: choose one of the suggestions."),
            }
        )
        if new:
            self.attrs["data-picker-new"] = new
        if new_same:
            self.attrs["data-picker-new-same"] = new_same
        self.labels = dict(labels or {})

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.labels = dict(self.labels)
        return obj

    def chosen(self, values) -> list[tuple[str, str]]:
        """(value, label) of the chosen records the field's queryset holds, in the order given."""
        keys = [str(as_id(v)) for v in values if as_id(v) is not None]
        missing = [key for key in keys if key not in self.labels]
        if missing:
            field = getattr(self.choices, "field", None)
            if field is not None:
                for record in field.queryset.filter(pk__in=missing):
                    self.labels[str(record.pk)] = field.label_from_instance(record)
        return [(key, self.labels[key]) for key in dict.fromkeys(keys) if key in self.labels]

    def optgroups(self, name, value, attrs=None):
        chosen = self.chosen(value)
        options = []
        if not self.allow_multiple_selected:
            options.append(self.create_option(name, "", EMPTY_LABEL, not chosen, 0, attrs=attrs))
        for key, label in chosen:
            options.append(self.create_option(name, key, label, True, len(options), attrs=attrs))
        return [(None, [option], option["index"]) for option in options]


class SearchSelectMultiple(SearchSelect, forms.SelectMultiple):
    """The chosen records of a many-to-many choice; `picker.js` shows each with a button to remove it."""


INVALID_CHOICE = _("Choose one of the suggestions: the record chosen does not exist or is not one you may choose here.")


def use_picker(field: forms.ModelChoiceField, key: str, project=None, *, exclude=None, labels=None, current=None):
    """Make a model choice field a picker of `key`: its widget a SearchSelect(Multiple) and its queryset the
    records the user may pick (the endpoint's). `exclude`: a record left out (the one being edited). `labels`
    ({pk: text}) or `current` (the record the page already loaded as the field's value) spare the query for the
    chosen option's label."""
    picker = registry.picker(key)
    if picker is None:
        raise LookupError(f"No picker {key!r} is registered.")
    if current is not None:
        labels = {**(labels or {}), str(current.pk): picker.text(current)}
    url = picker_url(picker, project)
    if exclude is not None:
        url += f"?exclude={exclude}"
    multiple = isinstance(field, forms.ModelMultipleChoiceField)
    widget_class = SearchSelectMultiple if multiple else SearchSelect
    field.widget = widget_class(
        url=url, labels=labels, min_chars=picker.min_chars, new=str(picker.new), new_same=str(picker.new_same)
    )
    field.widget.is_required = field.required
    records = picker_records(picker, project)
    field.queryset = records.exclude(pk=exclude) if exclude is not None else records  # also the widget's choices
    field.label_from_instance = picker.text
    field.error_messages = {
        **field.error_messages,
        "invalid_choice": INVALID_CHOICE,
        "invalid_pk_value": INVALID_CHOICE,
    }
    return field


def country_choices() -> list[tuple[int, str]]:
    """Every country, (pk, name) by name: one query, which a page with many country fields reads once."""
    from .models import Country

    return [(c.pk, c.name) for c in Country.objects.order_by("name")]


def use_country_picker(field: forms.ModelChoiceField, choices: list[tuple[int, str]] | None = None):
    """A country field as a search-as-you-type picker ("countries": one letter, or the ISO code, finds it), its chosen
    option labelled from `choices` (`country_choices()`, read once for all the page's country fields)."""
    labels = {str(pk): name for pk, name in (country_choices() if choices is None else choices)}
    return use_picker(field, "countries", labels=labels)
