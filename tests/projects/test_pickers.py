"""The search-as-you-type pickers (projects.pickers): the JSON searches, their limits and access rules, and the
forms of the core and the events whose pages no longer list every organisation, member or person."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conferences.models import Registration
from projects import rollups
from projects.models import Organisation, Task, Workstream
from projects.pickers import INVALID_CHOICE, MAX_CHARS, PICK_LIMIT, SearchSelect, use_picker
from projects.services import membership_set
from tests.conferences.conftest import make_event, make_person, register
from tests.conftest import make_user
from tests.utils import count_queries, get_ok

ORGANISATIONS = reverse("projects:pick", kwargs={"key": "organisations"})


def pick_url(key: str, code: str = "ATHENA2") -> str:
    return reverse("projects:project-pick", kwargs={"code": code, "key": key})


def texts(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return [row["text"] for row in response.json()["results"]]


def select_options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, f"no select {name}"
    return re.findall(r'<option value="([^"]*)"', select.group(0))


def _organisations(n: int, start: int = 0) -> None:
    Organisation.objects.bulk_create(
        [Organisation(name=f"Agency number {start + i}", kind=Organisation.Kind.OTHER) for i in range(n)]
    )


# --- the searches ---------------------------------------------------------------------------------------------------


def test_any_signed_in_user_searches_the_organisations_by_name_or_acronym(client_for, outsider):
    client = client_for(outsider)
    assert texts(client.get(ORGANISATIONS, {"q": "igpr"})) == [
        "General Inspectorate of the Romanian Police (IGPR) – RO"
    ]
    assert texts(client.get(ORGANISATIONS, {"q": "romanian police"})) == texts(client.get(ORGANISATIONS, {"q": "IGPR"}))


def test_a_visitor_is_sent_to_the_login_page(client, selec):
    response = client.get(ORGANISATIONS, {"q": "igpr"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(pick_url("events"), {"q": "ws"}).status_code == 302


def test_fewer_than_two_letters_find_nothing_and_long_text_is_cut(client_for, staff):
    client = client_for(staff)
    assert texts(client.get(ORGANISATIONS, {"q": " i "})) == []
    assert texts(client.get(ORGANISATIONS, {"q": "ig" + "x" * 5000})) == []
    assert texts(client.get(ORGANISATIONS, {"q": "IGPR " + "y" * MAX_CHARS})) == []  # the cut text is still searched


def test_a_search_gives_at_most_twenty_organisations_in_the_same_queries_whatever_their_number(client_for, staff):
    client = client_for(staff)
    _organisations(5)
    client.get(ORGANISATIONS, {"q": "agency number"})
    small = count_queries(lambda: client.get(ORGANISATIONS, {"q": "agency number"}))
    _organisations(500, start=5)
    data = client.get(ORGANISATIONS, {"q": "agency number"}).json()
    assert len(data["results"]) == PICK_LIMIT and data["more"] is True
    assert count_queries(lambda: client.get(ORGANISATIONS, {"q": "agency number"})) == small == 3


@pytest.mark.parametrize("value", ["\x00", "' OR 1=1 --", "%", "_", "9" * 40, "<script>", "٣", "²"])
def test_hostile_search_text_and_ids_never_fail(client_for, staff, value):
    client = client_for(staff)
    for url in (ORGANISATIONS, pick_url("events"), pick_url("members")):
        response = client.get(url, {"q": value, "exclude": value})
        assert response.status_code in (200, 400), (url, value)


def test_only_editors_search_the_members_and_find_only_the_projects(client_for, staff, viewer, manager, outsider):
    assert client_for(viewer).get(pick_url("members"), {"q": "st"}).status_code == 403
    client = client_for(staff)
    assert texts(client.get(pick_url("members"), {"q": "ma"})) == ["Mara Manager"]
    assert texts(client.get(pick_url("members"), {"q": "outsider"})) == []


def test_participants_are_found_only_among_the_projects_registrations_without_email(client_for, viewer, athena, imobex):
    ana, ion = make_person("Ana Popescu"), make_person("Ana Ionescu", "BG", None)
    register(make_event(athena), ana, email="ana@example.org")
    register(make_event(imobex), ion)
    response = client_for(viewer).get(pick_url("participants"), {"q": "ana"})
    assert texts(response) == ["Ana Popescu (IGPR, RO)"]
    assert "example.org" not in response.content.decode()


def test_a_picker_of_a_project_is_not_served_at_the_shared_address_and_the_reverse(client_for, staff):
    client = client_for(staff)
    assert client.get(reverse("projects:pick", kwargs={"key": "events"}), {"q": "ws"}).status_code == 404
    assert client.get(pick_url("organisations"), {"q": "igpr"}).status_code == 404
    assert client.get(pick_url("no-such-picker"), {"q": "ig"}).status_code == 404
    assert client.post(ORGANISATIONS, {"q": "igpr"}).status_code == 405


# --- the widget -----------------------------------------------------------------------------------------------------


def test_the_widget_labels_only_ids_its_queryset_holds(athena):
    from django import forms

    class Form(forms.Form):
        organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)

    igpr = Organisation.objects.get(acronym="IGPR")
    form = Form({"organisation": str(igpr.pk)})
    use_picker(form.fields["organisation"], "organisations")
    assert isinstance(form.fields["organisation"].widget, SearchSelect)
    html = str(form["organisation"])
    assert select_options(html, "organisation") == ["", str(igpr.pk)] and "IGPR" in html
    form = Form({"organisation": "abc"})
    use_picker(form.fields["organisation"], "organisations")
    assert select_options(str(form["organisation"]), "organisation") == [""]
    assert not form.is_valid() and str(INVALID_CHOICE) in str(form.errors["organisation"])


# --- the forms ------------------------------------------------------------------------------------------------------


def _task_pages(athena) -> list[str]:
    ws = Workstream.objects.filter(project=athena).order_by("number").first()
    task = Task.objects.filter(workstream__project=athena).first() or Task.objects.create(
        workstream=ws, title="A task", due_date=athena.end_date
    )
    return [
        reverse("projects:task-add", kwargs={"code": "ATHENA2", "number": ws.number}),
        reverse("projects:task-edit", kwargs={"code": "ATHENA2", "pk": task.pk}),
    ]


def test_forms_run_the_same_queries_with_10_or_1000_organisations_and_members(
    client_for, manager, django_user_model, athena
):
    event = make_event(athena, title="Danube workshop")
    pages = [
        reverse("projects:account-settings"),
        reverse("conferences:event-create", kwargs={"code": "ATHENA2"}),
        reverse("conferences:event-edit", kwargs={"code": "ATHENA2", "pk": event.pk}),
        reverse("conferences:registration-create", kwargs={"code": "ATHENA2", "pk": event.pk}),
        reverse("operations:spoc-directory", kwargs={"code": "ATHENA2"}),
        *_task_pages(athena),
    ]
    client = client_for(manager)

    @rollups.batch(everything=True)  # set-up data in bulk: the rollups rebuilt once, at the end
    def grow(n: int, start: int) -> None:
        _organisations(n, start)
        for i in range(n // 10):
            membership_set(user=make_user(django_user_model, f"member{start + i}"), project=athena, role="staff")

    grow(10, 0)
    for url in pages:
        get_ok(client, url)
    small = {url: count_queries(lambda url=url: get_ok(client, url)) for url in pages}
    grow(1000, 10)
    large = {url: count_queries(lambda url=url: get_ok(client, url)) for url in pages}
    assert large == small
    for url in pages:
        html = get_ok(client, url).content.decode()
        assert "Agency number" not in html and "member10" not in html, url


def test_a_task_owner_who_is_not_a_member_is_refused_next_to_the_field(client_for, staff, outsider, athena):
    add = _task_pages(athena)[0]
    data = {"title": "Forged owner", "owner": str(outsider.pk), "due_date": "2026-12-01", "status": "todo"}
    response = client_for(staff).post(add, data)
    assert response.status_code == 200
    assert str(INVALID_CHOICE) in str(response.context["form"].errors["owner"])
    assert not Task.objects.filter(title="Forged owner").exists()
    data["owner"] = str(staff.pk)
    assert client_for(staff).post(add, data).status_code == 302
    assert Task.objects.get(title="Forged owner").owner == staff


def test_a_registration_keeps_the_organisation_picked(client_for, staff, athena):
    event = make_event(athena)
    url = reverse("conferences:registration-create", kwargs={"code": "ATHENA2", "pk": event.pk})
    igpr = Organisation.objects.get(acronym="IGPR")
    data = {"name": "Ana Popescu", "organisation": str(igpr.pk), "country": str(igpr.country_id), "role": "delegate"}
    assert client_for(staff).post(url, {**data, "organisation": "987654"}).status_code == 200
    assert not Registration.objects.exists()
    assert client_for(staff).post(url, data).status_code == 302
    assert Registration.objects.get().person.organisation == igpr


def test_the_countries_are_found_from_one_letter_or_by_their_code(client_for, outsider):
    client = client_for(outsider)
    url = reverse("projects:pick", kwargs={"key": "countries"})
    assert "Romania" in texts(client.get(url, {"q": "r"}))
    assert texts(client.get(url, {"q": "RO"}))[0] in {"Romania", "Croatia"}  # the code, or a name holding "ro"
    assert "Bulgaria" in texts(client.get(url, {"q": "bg"}))  # by the ISO code alone
    assert texts(client.get(url, {"q": " "})) == []
    found = texts(client.get(url, {"q": "b"}))  # those starting with the text first, then the others, by name
    starting = [name for name in found if name.lower().startswith("b")]
    assert "Albania" in found and found[: len(starting)] == sorted(starting) and len(starting) >= 2
