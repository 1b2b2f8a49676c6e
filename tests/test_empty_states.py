"""Empty lists say what to do next: a sentence for everyone, and a link to the next step for those allowed to take
it (the same check as the page's own create button), a way back for a search or filter that found nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conferences.conftest import make_event
from tests.utils import get_ok

pytestmark = pytest.mark.django_db

ACTION = re.compile(r'<a class="btn btn-sm btn-primary" href="([^"]*)" data-testid="empty-state-action">([^<]*)</a>')


def empty_state(client, url: str) -> tuple[str, list[tuple[str, str]]]:
    """The empty state's text and its links (href, label); fails if the page shows none."""
    html = get_ok(client, url).content.decode()
    match = re.search(r'<div class="text-muted" data-testid="empty-state">(.*?)</div>', html, re.S)
    assert match, f"{url} shows no empty state"
    return match.group(1), ACTION.findall(match.group(1))


def test_no_activities_yet_invites_staff_to_log_the_first_and_tells_viewers_who_does(client_for, staff, viewer, athena):
    url = reverse("operations:activity-list", args=[athena.code])
    text, actions = empty_state(client_for(staff), url)
    assert "No joint activity has been logged yet." in text
    assert actions == [(reverse("operations:activity-create", args=[athena.code]), "Log the first joint activity")]

    text, actions = empty_state(client_for(viewer), url)
    assert "staff log them." in text and actions == []


def test_a_filter_that_finds_no_activity_offers_to_clear_the_filters(client_for, viewer, athena):
    url = reverse("operations:activity-list", args=[athena.code])
    text, actions = empty_state(client_for(viewer), url + "?q=nothing-like-this")
    assert "No activity matches these filters." in text
    assert actions == [(url, "Clear the filters")]


def test_no_events_yet_invites_staff_to_plan_the_first(client_for, staff, viewer, athena):
    url = reverse("conferences:event-list", args=[athena.code])
    text, actions = empty_state(client_for(staff), url)
    assert actions == [(reverse("conferences:event-create", args=[athena.code]), "Plan the first event")]
    text, actions = empty_state(client_for(viewer), url)
    assert "No event has been planned yet." in text and actions == []


def test_an_event_without_participants_or_sessions_says_how_to_add_them(client_for, staff, viewer, athena):
    event = make_event(athena, title="Empty workshop")
    participants = reverse("conferences:registration-list", args=[athena.code, event.pk])
    text, actions = empty_state(client_for(staff), participants)
    assert "import a list" in text
    assert actions == [
        (reverse("conferences:registration-create", args=[athena.code, event.pk]), "Register the first participant")
    ]
    assert empty_state(client_for(viewer), participants)[1] == []

    detail = reverse("conferences:event-detail", args=[athena.code, event.pk])
    assert empty_state(client_for(staff), detail)[1] == [
        (reverse("conferences:session-create", args=[athena.code, event.pk]), "Add the first session")
    ]
    text, actions = empty_state(client_for(viewer), detail)
    assert "No sessions on the agenda yet." in text and actions == []


def test_no_spoc_yet_points_staff_to_the_form(client_for, staff, viewer, athena):
    url = reverse("operations:spoc-directory", args=[athena.code])
    html = get_ok(client_for(staff), url).content.decode()
    assert 'id="add-spoc"' in html
    assert empty_state(client_for(staff), url)[1] == [("#add-spoc", "Add the first SPOC")]
    assert empty_state(client_for(viewer), url)[1] == []
