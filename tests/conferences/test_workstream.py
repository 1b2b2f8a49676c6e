"""An event's workstream: chosen among its project's, defaulting from its kind by the project's plan (issue 14)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conferences import services
from conferences.models import Event
from conferences.workstreams import default_workstream, workstreams_fill
from projects.models import Country, Workstream
from tests.conferences.conftest import TODAY, make_event
from tests.operations.conftest import formset_data

NEW = "/projects/ATHENA2/events/new/"


def ws(project, number: int) -> Workstream:
    return Workstream.objects.get(project=project, number=number)


def _data(**overrides) -> dict:
    start = TODAY + timedelta(days=40)
    data = {
        "kind": "training",
        "title": "SPOC training",
        "start_date": start.isoformat(),
        "end_date": start.isoformat(),
        "online": "on",
    }
    return {**data, **overrides}


def test_a_new_event_falls_in_the_workstream_of_its_kind_and_the_form_offers_the_projects_only(
    client_for, staff, athena, imobex
):
    client = client_for(staff)
    assert set(client.get(NEW).context["form"].fields["workstream"].queryset) == set(athena.workstreams.all())
    assert client.post(NEW, _data()).status_code == 302
    assert Event.objects.get(title="SPOC training").workstream == ws(athena, 3)  # training: WS3 with CEPOL
    refused = client.post(NEW, _data(title="Elsewhere", workstream=str(ws(imobex, 2).pk)))
    assert refused.status_code == 200 and refused.context["form"].errors["workstream"]
    assert not Event.objects.filter(title="Elsewhere").exists()
    event = Event.objects.get(title="SPOC training")
    page = client.get(f"/projects/ATHENA2/events/{event.pk}/").content.decode()
    assert reverse("projects:workstream-detail", args=["ATHENA2", 3]) in page


def test_the_service_refuses_another_projects_workstream(staff, athena, imobex):
    start = TODAY + timedelta(days=40)
    event = Event(
        project=athena,
        workstream=ws(imobex, 2),
        kind="workshop",
        title="W",
        start_date=start,
        end_date=start,
        online=True,
    )
    with pytest.raises(ValidationError) as refused:
        services.event_save(user=staff, event=event)
    assert refused.value.message_dict["workstream"] == ["Choose a workstream of this project."]
    assert not Event.objects.exists()


def test_dtp_tocs_conferences_fall_in_the_workstream_of_their_year(selec):
    dtp = selec["DTP-TOC"]
    assert default_workstream(dtp, "conference", date(2025, 10, 8)) == ws(dtp, 1)
    assert default_workstream(dtp, "conference", date(2026, 10, 8)) == ws(dtp, 2)
    assert default_workstream(dtp, "conference", date(2030, 1, 1)) is None  # outside the plan: not clear
    assert default_workstream(dtp, "workshop", date(2025, 10, 8)) is None


def test_the_data_migration_fills_the_events_without_a_workstream_once(selec, athena):
    dtp = selec["DTP-TOC"]
    second = make_event(dtp, kind="conference", title="2nd conference", start_date=date(2026, 10, 6))
    meeting = make_event(athena, kind="meeting", title="Kick-off")
    workshop = make_event(athena, kind="workshop", title="Workshop")
    assert workstreams_fill(Event, Workstream) == 2
    stored = {e.title: e.workstream for e in Event.objects.select_related("workstream")}
    assert stored == {second.title: ws(dtp, 2), meeting.title: None, workshop.title: ws(athena, 2)}
    assert workstreams_fill(Event, Workstream) == 0


def test_the_admin_saves_the_workstream(client_for, admin_user, athena, imobex):
    event = make_event(athena, title="Thematic workshop")
    url = reverse("admin:conferences_event_change", args=[event.pk])
    client = client_for(admin_user)
    assert set(client.get(url).context["adminform"].form.fields["workstream"].queryset) == set(athena.workstreams.all())
    data = {
        "project": str(athena.pk),
        "kind": "workshop",
        "workstream": str(ws(athena, 2).pk),
        "title": event.title,
        "start_date": event.start_date.isoformat(),
        "end_date": event.end_date.isoformat(),
        "city": "Rome",
        "country": str(Country.objects.get(code="IT").pk),
        "status": event.status,
        "version": str(event.version),
        **formset_data("sessions", []),
        **formset_data("registrations", []),
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Event.objects.get(pk=event.pk).workstream == ws(athena, 2)
