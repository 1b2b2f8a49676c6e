"""The pickers of the activity form (projects.pickers): what each role's searches return, forged ids, and pages whose
queries do not grow with the organisations, events and activities there are to choose from."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conferences.models import Event
from operations.models import JointActivity
from projects.models import AuditEvent, Organisation
from projects.pickers import INVALID_CHOICE, PICK_LIMIT
from tests.conferences.conftest import make_event, register
from tests.utils import count_queries, get_ok

NEW = reverse("operations:activity-create", kwargs={"code": "ATHENA2"})


def pick_url(key: str, code: str = "ATHENA2") -> str:
    return reverse("projects:project-pick", kwargs={"code": code, "key": key})


def found(client, key: str, q: str, code: str = "ATHENA2") -> list[str]:
    response = client.get(pick_url(key, code), {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return [row["text"] for row in response.json()["results"]]


def select_options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, f"no select {name}"
    return re.findall(r'<option value="([^"]*)"', select.group(0))


@pytest.fixture
def secret(make_activity):
    return make_activity(
        title="Operation Nightjar",
        reference="SENS-77",
        is_sensitive=True,
        officers=[("Hidden Officer", "RO", "spoc")],
    )


@pytest.fixture
def ordinary(make_activity):
    return make_activity(title="Ordinary operation", reference="ORD-1", officers=[("Known Officer", "BG", "spoc")])


@pytest.mark.parametrize("who", ["viewer", "staff"])
def test_viewers_and_staff_never_find_a_sensitive_activity_or_its_officers(request, client_for, secret, ordinary, who):
    client = client_for(request.getfixturevalue(who))
    for key in ("activities", "related-activities"):
        assert found(client, key, "operation") == [f"ORD-1 – Ordinary operation ({ordinary.start_date:%d %b %Y})"]
        for text in ("Nightjar", "SENS-77"):
            assert found(client, key, text) == []
    assert found(client, "officers", "officer") == ["Known Officer (BG)"]
    assert found(client, "officers", "Hidden") == []


def test_managers_find_sensitive_activities_and_their_officers(client_for, manager, secret, ordinary):
    client = client_for(manager)
    assert len(found(client, "activities", "operation")) == 2
    assert found(client, "activities", "SENS-77")[0].startswith("SENS-77 – Operation Nightjar")
    assert found(client, "officers", "officer") == ["Hidden Officer (RO)", "Known Officer (BG)"]


def test_a_member_of_another_project_finds_nothing_of_the_project(client_for, outsider, ordinary, athena):
    make_event(athena, title="Danube workshop")
    client = client_for(outsider)  # staff of IMOBEX only
    for key in ("activities", "officers", "events", "participants", "members"):
        assert client.get(pick_url(key), {"q": "op"}).status_code == 404
    # and IMOBEX has no activities to pick (the operations pages are ATHENA2's)
    assert client.get(pick_url("activities", "IMOBEX"), {"q": "op"}).status_code == 404


def test_the_events_of_another_project_are_never_found(client_for, staff, athena, imobex):
    make_event(athena, title="Danube workshop")
    make_event(imobex, title="Danube workshop elsewhere")
    make_event(athena, title="Danube conference", kind=Event.Kind.CONFERENCE)
    client = client_for(staff)
    assert sorted(t.split(" (")[0] for t in found(client, "events", "danube")) == [
        "Danube conference",
        "Danube workshop",
    ]
    assert [t.split(" (")[0] for t in found(client, "discussion-events", "danube")] == ["Danube workshop"]


def test_a_search_gives_at_most_twenty_results_and_says_there_are_more(client_for, staff, make_activity):
    last = [make_activity(title=f"Patrol {i}") for i in range(PICK_LIMIT + 3)][-1]
    data = client_for(staff).get(pick_url("activities"), {"q": "patrol"}).json()
    assert len(data["results"]) == PICK_LIMIT and data["more"] is True
    assert set(data["results"][0]) == {"id", "text"}
    narrowed = client_for(staff).get(pick_url("activities"), {"q": f"patrol {last.reference}"}).json()
    assert len(narrowed["results"]) == 1 and narrowed["more"] is False


def test_a_search_runs_the_same_queries_whatever_the_number_of_activities(client_for, staff, make_activity):
    client = client_for(staff)
    make_activity(title="Patrol 0")
    client.get(pick_url("activities"), {"q": "patrol"})
    small = count_queries(lambda: client.get(pick_url("activities"), {"q": "patrol"}))
    for i in range(30):
        make_activity(title=f"Patrol {i + 1}")
    assert count_queries(lambda: client.get(pick_url("activities"), {"q": "patrol"})) == small == 4


def test_a_search_of_officers_is_recorded_as_a_consultation_and_shows_no_email(client_for, staff, ordinary):
    response = client_for(staff).get(pick_url("officers"), {"q": "known"})
    assert "@" not in response.content.decode()
    entry = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, user=staff).latest("pk")
    assert entry.object_type == "projects.Person"
    assert entry.details == {"page": "pick:officers", "query": {"q": "known"}}


# --- the activity form --------------------------------------------------------------------------------------------


def _grow(athena, n: int, start: int = 0) -> None:
    Organisation.objects.bulk_create(
        [Organisation(name=f"Agency number {start + i}", kind=Organisation.Kind.LAW_ENFORCEMENT) for i in range(n)]
    )
    for i in range(n // 10):
        make_event(athena, title=f"Meeting number {start + i}", kind=Event.Kind.MEETING)


def test_the_activity_form_runs_the_same_queries_with_10_or_1000_organisations_and_lists_none(
    client_for, staff, athena
):
    client = client_for(staff)
    _grow(athena, 10)
    get_ok(client, NEW)
    small = count_queries(lambda: get_ok(client, NEW))
    _grow(athena, 1000, start=10)
    response = get_ok(client, NEW)
    assert count_queries(lambda: get_ok(client, NEW)) == small
    html = response.content.decode()
    assert "Agency number" not in html and "Meeting number" not in html
    for name in ("lead_agency", "officers-0-organisation"):
        assert select_options(html, name) == [""]  # nothing chosen yet: only the empty option
    assert select_options(html, "participating_agencies") == []
    assert 'data-picker-url="/pick/organisations/"' in html
    assert f'data-picker-url="{pick_url("discussion-events")}"' in html


def test_the_edit_form_shows_only_the_chosen_agencies_and_events(client_for, staff, athena, make_activity):
    _grow(athena, 50)
    agencies = list(Organisation.objects.filter(name__startswith="Agency number").order_by("pk")[:3])
    meeting = Event.objects.filter(project=athena, title="Meeting number 2").get()
    activity = make_activity(lead_agency=agencies[0], officers=[("Officer A", "RO", "spoc")])
    activity.participating_agencies.set(agencies[1:])
    activity.discussed_at.add(meeting)
    html = get_ok(client_for(staff), f"{NEW[:-4]}{activity.pk}/edit/").content.decode()
    assert select_options(html, "lead_agency") == ["", str(agencies[0].pk)]
    assert sorted(select_options(html, "participating_agencies")) == sorted(str(a.pk) for a in agencies[1:])
    assert select_options(html, "discussed_at") == [str(meeting.pk)]
    assert "Agency number 10" not in html and "Meeting number 3" not in html


@pytest.mark.parametrize(
    ("field", "forged"),
    [
        ("lead_agency", "999999"),
        ("participating_agencies", ["999999"]),
        ("discussed_at", "other project's workshop"),
        ("officers-0-organisation", "999999"),
    ],
)
def test_a_forged_choice_is_refused_next_to_its_field_and_nothing_is_saved(
    client_for, staff, imobex, activity_form_data, field, forged
):
    if forged == "other project's workshop":
        forged = [str(make_event(imobex, title="IMOBEX workshop").pk)]
    if field.startswith("officers-"):
        country = str(Organisation.objects.get(acronym="IGPR").country_id)
        officer = {"name": "RO-OFF-1", "country": country, "organisation": forged, "role": "spoc"}
        data = activity_form_data(officers=[officer])
    else:
        data = activity_form_data(**{field: forged})
    response = client_for(staff).post(NEW, data)
    assert response.status_code == 200
    if field.startswith("officers-"):
        errors = response.context["officers"].forms[0].errors["organisation"]
    else:
        errors = response.context["form"].errors[field]
    assert str(INVALID_CHOICE) in str(errors)
    assert str(INVALID_CHOICE) in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert not JointActivity.objects.exists()


def test_an_activity_saved_with_picked_agencies_and_events_keeps_them(client_for, staff, athena, activity_form_data):
    meeting = make_event(athena, title="Steering meeting", kind=Event.Kind.MEETING)
    igpr, other = Organisation.objects.get(acronym="IGPR"), Organisation.objects.exclude(acronym="IGPR").first()
    data = activity_form_data(participating_agencies=[str(igpr.pk), str(other.pk)], discussed_at=[str(meeting.pk)])
    response = client_for(staff).post(NEW, data)
    assert response.status_code == 302, response.context["form"].errors
    activity = JointActivity.objects.get()
    assert activity.lead_agency == igpr
    assert set(activity.participating_agencies.all()) == {igpr, other}
    assert list(activity.discussed_at.all()) == [meeting]


# --- the officers: picked among the people known in the project, or added as new ----------------------------------


def _officer_rows(rows: list[dict]) -> list[dict]:
    return [{"person": "", "name": "", "country": "", "organisation": "", **row} for row in rows]


def test_officers_picked_keep_their_person_and_a_new_one_is_created_once(
    client_for, staff, ordinary, activity_form_data
):
    from projects.models import Person

    known = Person.objects.get(name="Known Officer")
    country = str(Organisation.objects.get(acronym="IGPR").country_id)
    officers = _officer_rows(
        [
            # picked: what the new-officer fields hold is moot (the picker empties them; a stale value changes nothing)
            {"person": str(known.pk), "name": "Typo Offcer", "role": "spoc"},
            {"name": "New  Officer", "country": country, "role": "field_officer"},
        ]
    )
    people = Person.objects.count()
    response = client_for(staff).post(NEW, activity_form_data(officers=officers))
    assert response.status_code == 302, response.context["officers"].errors
    activity = JointActivity.objects.exclude(pk=ordinary.pk).get()
    assert set(activity.officers.values_list("person__name", "role")) == {
        ("Known Officer", "spoc"),
        ("New Officer", "field_officer"),
    }
    assert activity.officers.get(role="spoc").person_id == known.pk
    assert Person.objects.count() == people + 1


def test_an_officer_known_only_from_a_sensitive_activity_or_another_project_cannot_be_picked(
    client_for, staff, secret, imobex, activity_form_data
):
    from projects.models import Person
    from projects.services import person_find_or_create

    elsewhere, _ = person_find_or_create(name="Imobex Expert", country=Person.objects.first().country)
    register(make_event(imobex, title="IMOBEX lab"), elsewhere)
    hidden = Person.objects.get(name="Hidden Officer")
    client = client_for(staff)
    assert found(client, "officers", "Imobex") == [] and found(client, "officers", "Hidden") == []
    for person in (hidden, elsewhere):
        officers = _officer_rows([{"person": str(person.pk), "role": "spoc"}])
        response = client.post(NEW, activity_form_data(officers=officers))
        assert response.status_code == 200
        errors = response.context["officers"].forms[0].errors["person"]
        assert str(INVALID_CHOICE) in str(errors)
        assert person.name not in response.content.decode()  # never shown back
    assert JointActivity.objects.filter(project__code="ATHENA2").count() == 1  # only the sensitive one


def test_a_row_without_a_picked_officer_needs_a_name_and_a_country_next_to_the_fields(
    client_for, staff, activity_form_data
):
    officers = _officer_rows([{"role": "spoc", "organisation": str(Organisation.objects.get(acronym="IGPR").pk)}])
    response = client_for(staff).post(NEW, activity_form_data(officers=officers))
    assert response.status_code == 200
    errors = response.context["officers"].forms[0].errors
    assert "Pick an officer above" in str(errors["name"]) and "country" in str(errors["country"])
    assert not JointActivity.objects.exists()


def test_the_same_picked_officer_twice_is_refused(client_for, staff, ordinary, activity_form_data):
    from projects.models import Person

    known = str(Person.objects.get(name="Known Officer").pk)
    officers = _officer_rows([{"person": known, "role": "spoc"}, {"person": known, "role": "field_officer"}])
    response = client_for(staff).post(NEW, activity_form_data(officers=officers))
    assert response.status_code == 200
    assert "already listed" in str(response.context["officers"].forms[1].errors["person"])
    assert JointActivity.objects.count() == 1
