"""A destructive button asks first (data-confirm, static/js/portal.js): dismissing the question sends nothing."""

from __future__ import annotations

import pytest

from conferences.models import Event
from tests.conferences.conftest import make_event
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dismissing_the_question_posts_nothing_and_accepting_it_changes_the_status(
    page, login, live_server, staff, athena
):
    event = make_event(athena, title="Workshop that may be cancelled")
    login("staff", PASSWORD)
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    page.select_option("#id_status", Event.Status.CANCELLED)
    posts, questions = [], []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))

    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Change", exact=True).click()
    page.wait_for_timeout(300)
    assert questions == ["Change the status of this event?"]
    assert posts == []
    event.refresh_from_db()
    assert event.status == Event.Status.OPEN

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Change", exact=True).click()
    assert len(posts) == 1
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
