"""Hostile input on every form that writes: never a server error, and what was written is shown escaped.

Every page of the permission matrix (`tests/permission_matrix.py`) that shows a form a manager may post is read
once: its fields (inputs, selects, text areas) are taken from the page itself, so a new field is fuzzed without a
change here. Hypothesis then fills them with hostile values: script and HTML in text, very long strings, unicode,
wrong types for numbers, dates and choices, out-of-range dates (0001-01-01, 9999-12-31, 10000-01-01), and ids of
other projects' records in choices. Each example runs in a savepoint of its own.

Every answer is below 500, and no page (the form shown again with its errors, or the page the success redirects
to) contains the raw script or HTML marker: only its escaped form.

The Hypothesis profile is `ci` by default (a bounded number of examples, no deadline): `HYPOTHESIS_PROFILE=dev`
for more (tests/conftest.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from projects.models import Country, Organisation, Workstream
from projects.services import person_contacts_update, person_find_or_create, profile_update, task_create
from tests.permission_matrix import REFUSALS, URLS, Row
from tests.test_permission_matrix import address
from tests.test_permission_matrix import world as world  # the matrix's data set (a module-scoped fixture)

SCRIPT = "<script>hostile()</script>"
IMG = '<img src=x onerror="hostile()">'
RAW_MARKERS = (b"<script>hostile", b"<img src=x onerror")

HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            SCRIPT,
            IMG,
            f"Title {SCRIPT}",
            f'"><b>bold</b>{IMG}',
            "' OR 1=1 --",
            '=HYPERLINK("http://example.org")',  # a formula for exports
            "{{ request }} {% debug %}",
            "\u202eevil\u200b \U0001f600 Ελληνικά Română ş",
            "x" * 301,
            "x" * 5_000,
            SCRIPT * 400,
            "",
            " ",
        ]
    ),
    st.text(min_size=0, max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=200, max_size=1_200),
)
HOSTILE_NUMBER = st.one_of(
    st.sampled_from(["-1", "0", "2147483648", "9223372036854775808", "1e309", "NaN", "1.5", "abc", "", SCRIPT]),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)
HOSTILE_DATE = st.one_of(
    st.sampled_from(
        ["0001-01-01", "9999-12-31", "10000-01-01", "2024-02-30", "0000-00-00", "1900-01-01", "today", "", SCRIPT]
    ),
    st.dates().map(lambda d: d.isoformat()),
)
HOSTILE_TIME = st.sampled_from(["00:00", "23:59", "24:00", "25:61", "noon", "", "09:00"])
OTHER_IDS = st.one_of(st.integers(min_value=-1, max_value=5_000).map(str), st.sampled_from(["abc", "", "1.5", SCRIPT]))


# --- the forms, read from the pages ---------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # the input's type, "select", "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    selected: list[str] = field(default_factory=list)  # of a select: the options chosen now
    maxlength: int | None = None
    lookup: bool = False  # a text input that names a record (typed with suggestions): no free text is valid


@dataclass
class Form:
    action: str
    fields: dict[str, Field] = field(default_factory=dict)


class FormParser(HTMLParser):
    """The POST forms of a page, with their fields (the navigation's logout form included; `main_form` picks)."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "option" and self._select is not None:
            self._select.options.append(attrs.get("value", ""))
            if "selected" in attrs:
                self._select.selected.append(attrs.get("value", ""))
            return
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = Form(action=attrs.get("action") or "")
            self.forms.append(self._form)
        elif self._form is None or not attrs.get("name"):
            return
        elif tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and attrs["name"] in self._form.fields:
                self._form.fields[attrs["name"]].options.append(attrs.get("value") or "on")
                return
            options = [attrs.get("value") or "on"] if kind in ("checkbox", "radio") else []
            self._form.fields[attrs["name"]] = Field(
                attrs["name"],
                kind,
                attrs.get("value") or "",
                options,
                maxlength=int(attrs["maxlength"]) if (attrs.get("maxlength") or "").isdigit() else None,
                lookup="list" in attrs,
            )
        elif tag == "textarea":
            self._form.fields[attrs["name"]] = Field(attrs["name"], "textarea")
        elif tag == "select":
            self._select = Field(attrs["name"], "select", multiple="multiple" in attrs)
            self._form.fields[attrs["name"]] = self._select

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def main_form(html: str, url: str) -> Form | None:
    parser = FormParser()
    parser.feed(html)
    candidates = [f for f in parser.forms if f.action in ("", url) and "csrfmiddlewaretoken" in f.fields]
    candidates = [f for f in candidates if len(f.fields) > 1]
    return max(candidates, key=lambda f: len(f.fields), default=None)


def _extra_row(form: Form, name: str) -> bool:
    """Whether the field belongs to an empty extra row of a formset (a person leaves those as they are)."""
    match = re.match(r"^(.+)-(\d+)-[^-]+$", name)
    if not match:
        return False
    initial = form.fields.get(f"{match.group(1)}-INITIAL_FORMS")
    return initial is not None and int(match.group(2)) >= int(initial.value or 0)


def tame_value(f: Field, today: str):
    """A value the form should accept that still carries the script marker in text: the success path, where the
    record is saved and shown."""
    if f.kind in ("text", "textarea") and not f.lookup:
        return f"{f.value} {SCRIPT}".strip()[: f.maxlength or 150]
    if f.kind == "email":
        return "hostile@example.org"
    if f.kind == "number":
        return f.value or "1"
    if f.kind in ("date", "datetime-local", "month"):
        return f.value or today
    if f.kind == "time":
        return f.value or "09:00"
    if f.kind in ("select", "radio"):
        real = [o for o in f.options if o]
        chosen = f.selected or real[:1] or [""]
        return chosen if f.multiple else chosen[0]
    if f.kind == "checkbox":
        return None
    return f.value


def value_strategy(f: Field):
    """Hostile values for one field, by its kind; hidden fields (formset counts, versions) keep theirs mostly."""
    if f.name == "csrfmiddlewaretoken":
        return st.just(f.value)
    if f.name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")):
        return st.just(f.value)  # a forged form count has its own test (below): here the forms themselves are fuzzed
    if f.kind == "hidden":  # mostly kept, so that the rest of the form is reached
        return st.sampled_from([f.value] * 6 + ["2147483648", "-1", "abc", SCRIPT])
    if f.kind in ("text", "textarea", "email", "search", "url", "tel", "password"):
        return HOSTILE_TEXT
    if f.kind == "number":
        return HOSTILE_NUMBER
    if f.kind in ("date", "datetime-local", "month"):
        return HOSTILE_DATE
    if f.kind == "time":
        return HOSTILE_TIME
    if f.kind in ("select", "radio"):
        real = [o for o in f.options if o]
        choice = st.sampled_from(real) if real else st.just("")
        hostile = st.one_of(choice, choice, OTHER_IDS, HOSTILE_TEXT)
        return st.lists(hostile, max_size=3) if f.multiple else hostile
    if f.kind == "checkbox":
        return st.sampled_from([f.options[0] if f.options else "on", None, "not-a-boolean"])
    return HOSTILE_TEXT


# --- the pages ------------------------------------------------------------------------------------------------------

ROLE = "manager"  # may post every project form (the admin is the admin's own)


def _write_pages() -> list[tuple[str, int]]:
    pages = []
    for key, rows in URLS.items():
        for index, row in enumerate(rows if isinstance(rows, list) else [rows]):
            if row.get[ROLE] == 200 and row.post[ROLE] not in REFUSALS and row.post[ROLE] != 405:
                pages.append((key, index))
    anonymous = [("conferences:feedback-survey", 0)]
    return sorted(pages) + anonymous


WRITE_PAGES = _write_pages()
_forms: dict[tuple[str, int], tuple[str, Form | None]] = {}


def _form_of(world, key: str, index: int) -> tuple[str, Form | None]:
    if (key, index) not in _forms:
        rows = URLS[key]
        row: Row = rows[index] if isinstance(rows, list) else rows
        url = address(key, row.kwargs(world.data))
        role = "anonymous" if key == "conferences:feedback-survey" else ROLE
        response = world.client(role).get(url)
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        html = response["Content-Type"].startswith("text/html") and not response.streaming
        _forms[(key, index)] = (url, main_form(response.content.decode(), url) if html else None)
    return _forms[(key, index)]


def test_every_write_page_has_a_form_to_fuzz(world, db):
    """The pages the matrix lets a manager post: the forms found (so a page that lost its form shows here)."""
    without = []
    for key, index in WRITE_PAGES:
        url, form = _form_of(world, key, index)
        if form is None:
            without.append(key)
    # Pages whose POST needs no form: lists, read-only pages (the matrix's POST to them is harmless), exports.
    assert len(WRITE_PAGES) - len(without) >= 20, without


def _assert_escaped(response, what: str):
    content = response.content if not response.streaming else b"".join(response.streaming_content)
    for marker in RAW_MARKERS:
        assert marker not in content, f"{what} shows {marker!r} unescaped"


@pytest.mark.parametrize(("key", "index"), WRITE_PAGES, ids=lambda v: str(v))
@given(data=st.data())
def test_hostile_post_never_errors_and_is_shown_escaped(world, db, key: str, index: int, data):
    url, form = _form_of(world, key, index)
    if form is None:
        pytest.skip("the page has no form")
    role = "anonymous" if key == "conferences:feedback-survey" else ROLE
    # Half the examples fill the form as a person would, with the script marker in its texts and one field
    # hostile: they reach the success path. The others are hostile throughout.
    tame = data.draw(st.booleans(), label="tame")
    hostile_field = data.draw(st.sampled_from(sorted(form.fields)), label="hostile field") if tame else None
    today = timezone.localdate().isoformat()
    post = {}
    for name, f in form.fields.items():
        if tame and name != hostile_field:
            value = f.value if name == "csrfmiddlewaretoken" or _extra_row(form, name) else tame_value(f, today)
            if _extra_row(form, name) and f.kind in ("select", "radio"):
                value = f.selected if f.multiple else (f.selected or [""])[0]
        else:
            value = data.draw(value_strategy(f), label=name)
        if value is not None:
            post[name] = value
    with transaction.atomic():
        client = world.client(role)
        response = client.post(url, post)
        assert response.status_code < 500, f"POST {url}: {response.status_code}"
        _assert_escaped(response, f"the answer to POST {url}")
        if response.status_code == 302:
            shown = client.get(response["Location"])
            assert shown.status_code < 500, f"GET {response['Location']} after the POST: {shown.status_code}"
            _assert_escaped(shown, f"{response['Location']} after POST {url}")
        transaction.set_rollback(True)


# --- the services, called directly --------------------------------------------------------------------------------
# What the forms check, the services check again (an import, a task or the admin calls them without a form): hostile
# values end in a ValidationError (or PermissionDenied), never in a database error such as DataError.

SERVICE_TEXT = st.one_of(HOSTILE_TEXT, st.sampled_from(["a\x00b", "\x00", "x" * 100_000, "  \t\n  "]))
SERVICE_DATE = st.one_of(st.dates(), st.sampled_from([date.min, date.max]))


def _calls_service(call):
    """Run a service in a savepoint: it returns, or refuses with a ValidationError / PermissionDenied."""
    try:
        with transaction.atomic():
            call()
            transaction.set_rollback(True)
    except (ValidationError, PermissionDenied):
        pass


@given(name=SERVICE_TEXT, email=SERVICE_TEXT, gender=SERVICE_TEXT)
@example(name="a\x00b", email="", gender="")
@example(name="x" * 1_000, email="x" * 1_000, gender="x" * 100)
def test_a_person_and_their_contact_refuse_hostile_values_cleanly(db, manager, athena, name, email, gender):
    ro = Country.objects.get(code="RO")

    def find_and_keep_contact():
        person, _created = person_find_or_create(name=name, country=ro, gender=gender)
        person_contacts_update(user=manager, project=athena, emails={person: email})

    _calls_service(find_and_keep_contact)


@given(title=SERVICE_TEXT, description=SERVICE_TEXT, due=SERVICE_DATE, status=SERVICE_TEXT)
@example(title="\x00", description="", due=date.max, status="todo")
@example(title="x" * 1_000, description="\x00", due=date.min, status="x" * 100)
def test_task_create_refuses_hostile_values_cleanly(db, manager, athena, title, description, due, status):
    workstream = Workstream.objects.filter(project=athena).first()
    _calls_service(
        lambda: task_create(
            user=manager, workstream=workstream, title=title, description=description, due_date=due, status=status
        )
    )


@given(time_zone=SERVICE_TEXT)
@example(time_zone="Mars/Olympus_Mons")
@example(time_zone="x" * 100)
def test_profile_update_refuses_a_time_zone_that_is_not_one(db, viewer, time_zone):
    _calls_service(lambda: profile_update(user=viewer, time_zone=time_zone))


@given(narrative=SERVICE_TEXT)
@example(narrative="before\x00after")
def test_report_narrative_save_refuses_hostile_values_cleanly(db, manager, athena, narrative):
    from reporting.models import ReportingPeriod
    from reporting.services import report_narrative_save

    period = ReportingPeriod.objects.filter(project=athena).first() or ReportingPeriod.objects.create(
        project=athena, start=date(2024, 1, 1), end=date(2024, 6, 30), due_date=date(2024, 7, 31)
    )
    _calls_service(lambda: report_narrative_save(user=manager, period=period, narrative=narrative))


@given(name=SERVICE_TEXT, area=SERVICE_TEXT, email=SERVICE_TEXT)
@example(name="\x00", area="", email="")
@example(name="x" * 1_000, area="x" * 1_000, email="x" * 1_000)
def test_spoc_add_refuses_hostile_values_cleanly(db, staff, athena, name, area, email):
    from operations.services import spoc_add

    ro, igpr = Country.objects.get(code="RO"), Organisation.objects.get(acronym="IGPR")
    _calls_service(
        lambda: spoc_add(project=athena, user=staff, name=name, country=ro, agency=igpr, area=area, email=email)
    )


@given(name=SERVICE_TEXT, email=SERVICE_TEXT, gender=SERVICE_TEXT, role=SERVICE_TEXT)
@example(name="\x00", email="", gender="", role="delegate")
@example(name="x" * 1_000, email="", gender="x" * 100, role="x" * 100)
def test_registration_create_refuses_hostile_values_cleanly(db, staff, athena, name, email, gender, role):
    from conferences.services import registration_create
    from tests.conferences.conftest import make_event

    event = make_event(athena, capacity=5)
    ro = Country.objects.get(code="RO")
    _calls_service(
        lambda: registration_create(
            user=staff, event=event, name=name, country=ro, email=email, gender=gender, role=role
        )
    )


@given(title=SERVICE_TEXT, description=SERVICE_TEXT, source=SERVICE_TEXT, crime_type=SERVICE_TEXT)
@example(title="x" * 1_000, description="\x00", source="x" * 100, crime_type="x" * 100)
def test_finding_save_refuses_hostile_values_cleanly(
    db, imobex, django_user_model, title, description, source, crime_type
):
    from imobex.models import scope_countries
    from imobex.services import finding_save

    user = django_user_model.objects.filter(is_superuser=True).first() or django_user_model.objects.create_superuser(
        username="hostile-admin", password="x-very-long-password", email="hostile@example.org"
    )
    countries = list(scope_countries()[:2])
    _calls_service(
        lambda: finding_save(
            user=user,
            project=imobex,
            title=title,
            description=description,
            source=source,
            crime_type=crime_type,
            reliability="confirmed",
            action_countries=countries,
        )
    )


def test_profile_update_keeps_a_real_time_zone(db, viewer):
    with pytest.raises(ValidationError):
        profile_update(user=viewer, time_zone="Mars/Olympus_Mons")
    assert profile_update(user=viewer, time_zone="Europe/Bucharest").time_zone == "Europe/Bucharest"


def test_a_record_with_a_nul_character_is_refused_with_a_message(db, athena):
    with pytest.raises(ValidationError) as refused:
        Organisation.objects.create(name="Police\x00")
    assert refused.value.message_dict == {"name": ["This text holds a NUL character, which cannot be stored."]}


def test_a_related_activity_posted_with_a_nul_character_is_a_form_error(db, athena):
    from operations.forms import ActivityForm

    for value in ("JP-\x00", "1\x00"):
        form = ActivityForm({"related_activity": value}, project=athena)
        assert not form.is_valid() and "related_activity" in form.errors


def test_an_activity_form_posted_with_a_huge_officer_count_is_refused_with_a_message(world, db):
    """A forged form count builds at most MAX_OFFICERS forms and says so, instead of busying the server."""
    from operations.forms import MAX_OFFICERS

    url, form = _form_of(world, "operations:activity-create", 0)
    post = {name: f.value for name, f in form.fields.items()} | {"officers-TOTAL_FORMS": "1000000"}
    response = world.client(ROLE).post(url, post)
    assert response.status_code == 200
    assert f"Please submit at most {MAX_OFFICERS} forms." in response.content.decode()
