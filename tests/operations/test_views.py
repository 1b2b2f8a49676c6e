"""The joint-activity pages: who sees what, logging and editing, transitions, bad inputs, query counts."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from operations.models import ActivityAttachment, ActivityCountry, ActivityOfficer, JointActivity
from projects.models import AuditEvent, Person
from tests.operations.conftest import formset_data
from tests.utils import count_queries, get_ok, page_form_data

LIST = "/projects/ATHENA2/activities/"
NEW = "/projects/ATHENA2/activities/new/"


def detail(activity) -> str:
    return reverse("operations:activity-detail", kwargs={"code": "ATHENA2", "pk": activity.pk})


def transition(activity, action: str) -> str:
    return reverse("operations:activity-transition", kwargs={"code": "ATHENA2", "pk": activity.pk, "action": action})


# --- access ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_user", "manager", "staff", "viewer"])
def test_members_open_the_list_and_the_detail(request, client_for, make_activity, who):
    activity = make_activity(title="Patrol at Giurgiu")
    client = client_for(request.getfixturevalue(who))
    assert "Patrol at Giurgiu" in get_ok(client, LIST).content.decode()
    assert "Patrol at Giurgiu" in get_ok(client, detail(activity)).content.decode()


def test_staff_of_another_project_gets_404(client_for, outsider, make_activity):
    activity = make_activity()
    client = client_for(outsider)
    for url in (LIST, detail(activity), NEW, "/projects/ATHENA2/activities/spocs/"):
        assert client.get(url).status_code == 404, url
    assert client.post(transition(activity, "submit"), {"version": 1}).status_code == 404


def test_the_pages_exist_only_for_athena2(client_for, admin_user):
    assert client_for(admin_user).get("/projects/IMOBEX/activities/").status_code == 404


def test_the_activities_tab_shows_on_athena2_only(client_for, admin_user):
    client = client_for(admin_user)
    assert LIST in get_ok(client, "/projects/ATHENA2/").content.decode()
    assert "/activities/" not in get_ok(client, "/projects/IMOBEX/").content.decode()


def test_a_viewer_cannot_edit(client_for, viewer, make_activity, activity_form_data):
    activity = make_activity()
    client = client_for(viewer)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, activity_form_data()).status_code == 403
    assert client.get(detail(activity) + "edit/").status_code == 403
    assert client.post(transition(activity, "submit"), {"version": 1}).status_code == 403
    assert JointActivity.objects.count() == 1
    page = get_ok(client, detail(activity)).content.decode()
    assert 'data-testid="action-submit"' not in page
    assert "Log an activity" not in get_ok(client, LIST).content.decode()


def test_staff_cannot_validate_own_activity(client_for, staff, make_activity):
    activity = make_activity(validation_state="submitted")
    client = client_for(staff)
    assert 'data-testid="action-validate"' not in get_ok(client, detail(activity)).content.decode()
    assert client.post(transition(activity, "validate"), {"version": 1}).status_code == 403
    assert JointActivity.objects.get(pk=activity.pk).validation_state == "submitted"


def test_the_numbers_page_is_for_managers(client_for, manager, staff):
    assert client_for(staff).get("/projects/ATHENA2/activities/numbers/").status_code == 403
    get_ok(client_for(manager), "/projects/ATHENA2/activities/numbers/")


# --- logging and editing --------------------------------------------------------------------------------------


def test_staff_log_an_activity_with_its_places_countries_and_officers(client_for, staff, activity_form_data):
    response = client_for(staff).post(NEW, activity_form_data())
    activity = JointActivity.objects.get()
    assert response.status_code == 302 and response.url == detail(activity)
    assert (activity.status, activity.validation_state, activity.version) == ("completed", "draft", 1)
    assert activity.created_by == staff
    assert [p.city for p in activity.places.all()] == ["Giurgiu"]
    assert sorted((c.country.code, c.officers_deployed) for c in activity.countries.all()) == [("BG", 4), ("RO", 6)]
    assert sorted((o.person.name, o.role) for o in activity.officers.all()) == [
        ("BG-SPOC-1", "spoc"),
        ("RO-OFF-1", "field_officer"),
    ]
    assert AuditEvent.objects.filter(object_id=str(activity.pk), action="create", user=staff).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_date": "2026-01-01", "start_date": "2026-01-05", "status": "planned"}, "end_date", "cannot be before"),
        ({"end_date": "2099-01-01"}, "end_date", "end date in the future"),
        ({"start_date": "not a date"}, "start_date", "Enter a valid date"),
        ({"title": ""}, "title", "This field is required"),
        ({"type": "raid"}, "type", "Select a valid choice"),
    ],
)
def test_bad_input_is_answered_next_to_the_field_and_nothing_is_saved(
    client_for, staff, activity_form_data, overrides, field, message
):
    response = client_for(staff).post(NEW, activity_form_data(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert "Nothing was saved" in response.content.decode()
    assert not JointActivity.objects.exists()
    assert not Person.objects.filter(name="RO-OFF-1").exists()


def test_a_cross_border_observation_in_one_country_is_refused(client_for, staff, activity_form_data, country):
    data = activity_form_data(type="cross_border_observation")
    response = client_for(staff).post(NEW, data)
    assert response.status_code == 200
    assert "at least two countries" in str(response.context["places"].non_form_errors())
    assert not JointActivity.objects.exists()


def test_the_same_officer_twice_in_an_activity_is_refused(client_for, staff, activity_form_data, country):
    ro = str(country("RO").pk)
    officers = [
        {"name": "Ana  Pop", "country": ro, "organisation": "", "role": "field_officer"},
        {"name": "ana pop", "country": ro, "organisation": "", "role": "spoc"},
    ]
    response = client_for(staff).post(NEW, activity_form_data(officers=officers))
    assert response.status_code == 200
    errors = response.context["officers"].forms[1].errors["name"]
    assert errors == ["This officer is already listed in this activity."]
    assert not JointActivity.objects.exists() and not Person.objects.filter(name__iexact="ana pop").exists()


def test_a_country_listed_twice_is_refused(client_for, staff, activity_form_data, country):
    ro = str(country("RO").pk)
    rows = [{"country": ro, "officers_deployed": "1"}, {"country": ro, "officers_deployed": "2"}]
    response = client_for(staff).post(NEW, activity_form_data(countries=rows))
    assert response.status_code == 200
    assert "duplicate" in str(response.context["countries"].non_form_errors()).lower()
    assert not JointActivity.objects.exists()


def test_negative_officer_numbers_are_refused(client_for, staff, activity_form_data, country):
    rows = [{"country": str(country("RO").pk), "officers_deployed": "-3"}]
    response = client_for(staff).post(NEW, activity_form_data(countries=rows))
    assert response.status_code == 200
    assert response.context["countries"].forms[0].errors["officers_deployed"]
    assert not JointActivity.objects.exists()


def test_more_than_ten_thousand_officers_deployed_is_refused_next_to_the_field(
    client_for, staff, activity_form_data, country
):
    rows = [{"country": str(country("RO").pk), "officers_deployed": "9223372036854775807"}]
    response = client_for(staff).post(NEW, activity_form_data(countries=rows))
    assert response.status_code == 200
    errors = response.context["countries"].forms[0].errors["officers_deployed"]
    assert any("At most 10,000 officers" in error for error in errors)
    assert not JointActivity.objects.exists()


def test_ten_thousand_officers_deployed_is_accepted(client_for, staff, activity_form_data, country):
    rows = [{"country": str(country("RO").pk), "officers_deployed": "10000"}]
    response = client_for(staff).post(NEW, activity_form_data(countries=rows))
    assert response.status_code == 302
    assert ActivityCountry.objects.get().officers_deployed == 10_000


def _edit_data(activity, activity_form_data, **overrides) -> dict:
    data = activity_form_data(version=str(activity.version), **overrides)
    places = [{"id": str(p.pk), "city": p.city, "country": str(p.country_id)} for p in activity.places.all()]
    countries = [
        {"id": str(c.pk), "country": str(c.country_id), "officers_deployed": str(c.officers_deployed)}
        for c in activity.countries.all()
    ]
    data.update(formset_data("places", places, initial=len(places)))
    data.update(formset_data("countries", countries, initial=len(countries)))
    return data


def test_staff_edit_a_draft_and_the_version_grows(client_for, staff, make_activity, activity_form_data):
    activity = make_activity(status="completed")
    client = client_for(staff)
    get_ok(client, detail(activity) + "edit/")
    response = client.post(detail(activity) + "edit/", _edit_data(activity, activity_form_data, title="New title"))
    assert response.status_code == 302, response.context and response.context["form"].errors
    stored = JointActivity.objects.get(pk=activity.pk)
    assert (stored.title, stored.version) == ("New title", 2)
    event = AuditEvent.objects.get(object_id=str(activity.pk), action="change")
    assert "title" in event.details["fields"]


def test_an_activity_saved_as_shown_keeps_its_version_and_adds_nothing_to_its_history(client_for, staff, make_activity):
    activity = make_activity(status="completed", officers=[("Ana Pop", "RO", "spoc")])
    client = client_for(staff)
    shown = get_ok(client, detail(activity) + "edit/")
    data = page_form_data(shown, formsets=("places", "countries", "officers"))
    response = client.post(detail(activity) + "edit/", data)
    assert response.status_code == 302 and response["Location"] == detail(activity)
    assert JointActivity.objects.get(pk=activity.pk).version == activity.version
    assert not AuditEvent.objects.filter(object_id=str(activity.pk), action="change").exists()
    assert "Nothing was changed." in get_ok(client, detail(activity)).content.decode()
    # one officer's role changed: saved, as one change
    data["officers-0-role"] = "field_officer"
    assert client.post(detail(activity) + "edit/", data).status_code == 302
    assert JointActivity.objects.get(pk=activity.pk).version == activity.version + 1
    assert activity.officers.get().role == "field_officer"


def test_two_people_editing_at_once_the_second_save_is_refused(
    client_for, staff, manager, make_activity, activity_form_data
):
    activity = make_activity(status="completed")
    stale = _edit_data(activity, activity_form_data, title="Staff title")
    fresh = _edit_data(activity, activity_form_data, title="Manager title")
    assert client_for(manager).post(detail(activity) + "edit/", fresh).status_code == 302
    response = client_for(staff).post(detail(activity) + "edit/", stale)
    assert response.status_code == 200
    assert "Someone else changed this activity" in response.content.decode()
    assert JointActivity.objects.get(pk=activity.pk).title == "Manager title"


def test_staff_cannot_edit_a_validated_activity(client_for, staff, make_activity, activity_form_data):
    activity = make_activity(validation_state="validated")
    client = client_for(staff)
    response = client.post(detail(activity) + "edit/", _edit_data(activity, activity_form_data, title="Nope"))
    assert response.status_code == 302 and response.url == detail(activity)
    assert JointActivity.objects.get(pk=activity.pk).title != "Nope"
    assert 'data-testid="action-advance"' not in get_ok(client, detail(activity)).content.decode()


# --- transitions ----------------------------------------------------------------------------------------------


def test_the_validation_round_trip_through_the_buttons(client_for, staff, manager, make_activity):
    activity = make_activity(status="completed")
    staff_client = client_for(staff)
    staff_client.post(transition(activity, "submit"), {"version": 1})
    manager_client = client_for(manager)
    response = manager_client.post(transition(activity, "return"), {"version": 2, "comment": ""}, follow=True)
    assert "Say what needs to change" in response.content.decode()
    manager_client.post(transition(activity, "return"), {"version": 2, "comment": "Add the minutes"})
    page = get_ok(manager_client, detail(activity)).content.decode()
    assert "Add the minutes" in page
    manager_client.post(transition(activity, "validate"), {"version": 3})  # stale: it was returned, not submitted
    assert JointActivity.objects.get(pk=activity.pk).validation_state == "returned"
    staff_client = client_for(staff)
    staff_client.post(transition(activity, "submit"), {"version": 3})
    response = client_for(manager).post(transition(activity, "validate"), {"version": 4}, follow=True)
    assert "the activity is now completed, validated" in response.content.decode()
    stored = JointActivity.objects.get(pk=activity.pk)
    assert stored.validation_state == "validated"
    history = get_ok(client_for(manager), detail(activity)).content.decode()
    for step in ("submitted for validation", "sent back", "validated"):
        assert f"({step})" in history


def test_a_stale_button_is_refused_with_a_message(client_for, staff, make_activity):
    activity = make_activity(status="completed")
    client = client_for(staff)
    client.post(transition(activity, "submit"), {"version": 1})
    response = client.post(transition(activity, "advance"), {"version": 1}, follow=True)
    assert "Someone else changed this activity" in response.content.decode()
    assert JointActivity.objects.get(pk=activity.pk).status == "completed"


def test_a_transition_without_its_version_is_refused(client_for, staff, make_activity):
    activity = make_activity()
    response = client_for(staff).post(transition(activity, "submit"), {}, follow=True)
    assert "incomplete" in response.content.decode()
    assert JointActivity.objects.get(pk=activity.pk).validation_state == "draft"


def test_a_transition_needs_post(client_for, staff, make_activity):
    activity = make_activity()
    assert client_for(staff).get(transition(activity, "submit")).status_code == 405


# --- evaluations, attachments, SPOCs --------------------------------------------------------------------------


def test_staff_evaluate_a_completed_activity(client_for, staff, make_activity, country):
    activity = make_activity(status="completed")
    url = detail(activity) + "evaluations/new/"
    client = client_for(staff)
    get_ok(client, url)
    data = {"country": country("BG").pk, "objectives_met": "partly", "rating": "4", "lessons": "Talk earlier."}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    assert response.context["form"].errors["country"] == ["This country has already evaluated the activity."]
    bad = client.post(url, {**data, "country": country("RO").pk, "rating": "9"})
    assert "rating" in bad.context["form"].errors
    assert activity.evaluations.count() == 1
    assert "Talk earlier." in get_ok(client, detail(activity)).content.decode()


def test_attachments_are_served_only_to_members(client_for, staff, outsider, make_activity, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    activity = make_activity()
    client = client_for(staff)
    upload = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
    response = client.post(detail(activity) + "attachments/", {"kind": "minutes", "file": upload})
    assert response.status_code == 302
    attachment = activity.attachments.get()
    url = reverse(
        "operations:attachment-download", kwargs={"code": "ATHENA2", "pk": activity.pk, "attachment_pk": attachment.pk}
    )
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 minutes"
    assert 'attachment; filename="minutes.pdf"' in response["Content-Disposition"]
    assert AuditEvent.objects.filter(object_id=str(activity.pk), action="export").exists()
    assert client_for(outsider).get(url).status_code == 404
    assert "/media/" not in get_ok(client_for(staff), detail(activity)).content.decode()


def test_an_executable_attachment_is_refused_next_to_the_field(client_for, staff, make_activity, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    activity = make_activity()
    upload = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")
    response = client_for(staff).post(detail(activity) + "attachments/", {"kind": "minutes", "file": upload})
    assert response.status_code == 400
    assert "file" in response.context["attachment_form"].errors
    assert not activity.attachments.exists()


def test_an_executable_named_pdf_is_refused_as_an_attachment(client_for, staff, make_activity, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    activity = make_activity()
    upload = SimpleUploadedFile("minutes.pdf", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/pdf")
    response = client_for(staff).post(f"{detail(activity)}attachments/", {"kind": "minutes", "file": upload})
    assert response.status_code == 400
    assert "not that of a PDF file" in response.content.decode()
    assert not ActivityAttachment.objects.exists()


def test_staff_add_a_spoc_to_the_directory(client_for, staff, viewer, country):
    from projects.models import Organisation

    url = "/projects/ATHENA2/activities/spocs/"
    igpr = Organisation.objects.get(acronym="IGPR")
    client = client_for(staff)
    data = {"name": "Ioana Spoc", "email": "", "country": country("RO").pk, "agency": igpr.pk, "area": "drugs"}
    assert client.post(url, data).status_code == 302
    page = get_ok(client, url).content.decode()
    assert "Ioana Spoc" in page and 'data-country="RO"' in page
    again = client.post(url, data)
    assert again.context["form"].errors["name"] == ["This SPOC is already in the directory."]
    wrong = client.post(url, {**data, "name": "Other", "country": country("BG").pk})
    assert "agency" in wrong.context["form"].errors
    assert client_for(viewer).post(url, data).status_code == 403


# --- the list: filters, sorting, pagination -------------------------------------------------------------------


def test_the_list_filters_by_type_status_validation_country_period_and_text(client_for, staff, make_activity, country):
    today = timezone.localdate()
    make_activity(title="Danube patrol", type="joint_patrol", validation_state="validated")
    make_activity(
        title="Skopje meeting",
        type="bilateral_meeting",
        places=[("Skopje", "MK")],
        countries=[("MK", 2)],
        start=today - timedelta(days=200),
        end=today - timedelta(days=199),
    )
    make_activity(title="Future operation", type="joint_operation", status="planned", start=today + timedelta(days=9))
    client = client_for(staff)

    def titles(query: str) -> list[str]:
        page = get_ok(client, f"{LIST}?{query}").context["page"]
        return sorted(a.title for a in page)

    assert titles("type=joint_patrol") == ["Danube patrol"]
    assert titles("status=planned") == ["Future operation"]
    assert titles("validation_state=validated") == ["Danube patrol"]
    assert titles(f"country={country('MK').pk}") == ["Skopje meeting"]
    assert titles(f"start={(today - timedelta(days=30)).isoformat()}") == ["Danube patrol", "Future operation"]
    assert titles(f"end={(today - timedelta(days=100)).isoformat()}") == ["Skopje meeting"]
    assert titles("q=skopje") == ["Skopje meeting"]
    assert titles("q=T-000") == ["Danube patrol", "Future operation", "Skopje meeting"]
    sorted_page = get_ok(client, f"{LIST}?sort=title").context["page"]
    assert [a.title for a in sorted_page] == ["Danube patrol", "Future operation", "Skopje meeting"]


def test_bad_filters_never_fail(client_for, staff, make_activity):
    make_activity()
    client = client_for(staff)
    for query in ("type=raid", "start=yesterday", "country=999999", "sort=password", "page=abc", "page=999"):
        get_ok(client, f"{LIST}?{query}")
    response = get_ok(client, f"{LIST}?start=2026-05-01&end=2026-01-01")
    assert "cannot be before its start" in response.content.decode()


def test_the_filtered_list_is_exported_and_the_export_recorded(client_for, viewer, outsider, make_activity):
    make_activity(title="Danube patrol", type="joint_patrol")
    make_activity(title="=HYPERLINK(evil)", type="joint_operation")
    client = client_for(viewer)
    response = client.get(f"{LIST}export.csv?type=joint_patrol")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert "Danube patrol" in body and "HYPERLINK" not in body
    assert "Giurgiu (RO); Ruse (BG)" in body
    everything = b"".join(client.get(f"{LIST}export.csv").streaming_content).decode()
    assert "'=HYPERLINK(evil)" in everything  # neutralised for spreadsheet programs
    assert client.get(f"{LIST}export.xlsx").status_code == 200
    assert client.get(f"{LIST}export.pdf").status_code == 404
    assert AuditEvent.objects.filter(action="export", user=viewer).count() == 3
    assert client_for(outsider).get(f"{LIST}export.csv").status_code == 404


@pytest.mark.parametrize("query", ["type=zzz", "sort=password", "country=999999", "start=2026-05-01&end=2026-01-01"])
def test_an_export_with_invalid_filters_is_refused_not_unfiltered(client_for, viewer, make_activity, query):
    make_activity(type="joint_patrol")
    make_activity(type="joint_operation")
    response = client_for(viewer).get(f"{LIST}export.csv?{query}")
    assert response.status_code == 400
    assert "Nothing was exported" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_list_is_paginated(client_for, staff, make_activity):
    for _ in range(27):
        make_activity()
    client = client_for(staff)
    assert len(get_ok(client, LIST).context["page"]) == 25
    assert len(get_ok(client, f"{LIST}?page=2").context["page"]) == 2


@pytest.mark.parametrize("number", ["0", "-1", "abc", ""])
def test_an_invalid_page_number_gives_the_first_page(client_for, staff, make_activity, number):
    for _ in range(30):
        make_activity()
    page = get_ok(client_for(staff), f"{LIST}?page={number}").context["page"]
    assert page.number == 1


def test_a_page_number_past_the_end_gives_the_last_page(client_for, staff, make_activity):
    for _ in range(30):
        make_activity()
    assert get_ok(client_for(staff), f"{LIST}?page=99").context["page"].number == 2


# --- query counts ---------------------------------------------------------------------------------------------


def _grow(make_activity, n: int) -> None:
    for i in range(n):
        make_activity(
            officers=[(f"Officer {i}", "RO", "field_officer"), (f"Officer {i} bis", "BG", "spoc")],
            validation_state="validated",
        )


# List: session, user, project, count, rows, places (prefetch), countries of the filter form.
# Detail: session, user, project, activity, places, countries, agencies, officers, attachments, evaluations,
# meetings, events it was discussed at (prefetches), history, and the audit line recording the consultation.
@pytest.mark.parametrize(("page", "expected"), [("list", 7), ("detail", 14)])
def test_page_queries_are_pinned_and_do_not_grow_with_the_data(client_for, manager, make_activity, page, expected):
    client = client_for(manager)
    first = make_activity(officers=[("Officer A", "RO", "spoc")])
    url = LIST if page == "list" else detail(first)
    client.get(url)
    _grow(make_activity, 2)
    small = count_queries(lambda: get_ok(client, url))
    _grow(make_activity, 20)
    for _ in range(20):
        ActivityOfficer.objects.create(
            activity=first, person=Person.objects.create(name=f"P{_}", country=first.lead_country), role="analyst"
        )
    large = count_queries(lambda: get_ok(client, url))
    assert small == large == expected


def test_the_numbers_page_queries_do_not_grow_with_the_data(client_for, manager, make_activity):
    client = client_for(manager)
    url = "/projects/ATHENA2/activities/numbers/"
    _grow(make_activity, 2)
    small = count_queries(lambda: get_ok(client, url))
    _grow(make_activity, 20)
    assert count_queries(lambda: get_ok(client, url)) == small
