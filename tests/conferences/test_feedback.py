from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from conferences.models import Event, FeedbackResponse
from conferences.services import feedback_submit

from .conftest import TODAY, make_event, make_person, register

ANSWERS = {"overall": "5", "content": "4", "organisation": "4", "usefulness": "5", "comments": "Very useful."}


@pytest.fixture
def held_event(athena):
    start = TODAY - timedelta(days=3)
    event = make_event(athena, title="Held workshop", start_date=start, status=Event.Status.HELD)
    register(event, make_person("Ana Popescu", email="ana@example.org"), attended_days=[start])
    register(event, make_person("Ivan Petrov", "BG", "MoI BG", email="ivan@example.org"), attended_days=[start])
    register(event, make_person("Luka Horvat", "HR", None), attended_days=[start])  # no e-mail
    register(event, make_person("Mira Novak", "SI", "GPU", email="mira@example.org"))  # did not come
    return event


def test_an_attendee_answers_the_survey_through_the_personal_link(client, held_event):
    ana = held_event.registrations.get(person__name="Ana Popescu")
    url = f"/feedback/{ana.feedback_token}/"
    assert "Dear Ana Popescu" in client.get(url).content.decode()
    page = client.post(url, ANSWERS).content.decode()
    assert 'data-testid="feedback-thanks"' in page
    assert FeedbackResponse.objects.get(registration=ana).overall == 5
    client.post(url, {**ANSWERS, "overall": "1"})  # a second answer is not taken
    assert FeedbackResponse.objects.get(registration=ana).overall == 5


def test_only_attendees_of_a_held_event_answer(held_event):
    mira = held_event.registrations.get(person__name="Mira Novak")
    with pytest.raises(ValidationError, match="Only people who attended"):
        feedback_submit(registration=mira, answers={"overall": 3, "content": 3, "organisation": 3, "usefulness": 3})


def test_a_no_show_opening_the_survey_link_sees_a_clear_page_and_no_form(client, athena):
    start = TODAY - timedelta(days=3)
    event = make_event(athena, start_date=start, status=Event.Status.HELD)
    mira = register(event, make_person("Mira Novak"))
    mira.attendance.create(day=start, present=False)  # marked a no-show
    url = f"/feedback/{mira.feedback_token}/"
    page = client.get(url).content.decode()
    assert 'data-testid="feedback-closed"' in page and "Only people who attended the event" in page
    assert "<form" not in page
    answers = {"overall": "5", "content": "5", "organisation": "5", "usefulness": "5"}
    page = client.post(url, answers).content.decode()
    assert 'data-testid="feedback-thanks"' not in page
    assert not event.registrations.filter(feedback__isnull=False).exists()


def test_the_survey_of_an_event_not_held_yet_is_not_open(client, workshop):
    ana = register(workshop, make_person("Ana Popescu"))
    page = client.get(f"/feedback/{ana.feedback_token}/").content.decode()
    assert "The survey opens once the event has been held." in page and "<form" not in page


def test_ratings_are_between_one_and_five(client, held_event):
    ana = held_event.registrations.get(person__name="Ana Popescu")
    response = client.post(f"/feedback/{ana.feedback_token}/", {**ANSWERS, "overall": "9"})
    assert "Select a valid choice" in response.content.decode()
    assert not FeedbackResponse.objects.exists()


def test_a_reminder_goes_to_the_attendees_who_have_not_answered(client, client_for, staff, held_event, mailoutbox):
    ana = held_event.registrations.get(person__name="Ana Popescu")
    client.post(f"/feedback/{ana.feedback_token}/", ANSWERS)
    staff_client = client_for(staff)
    page = staff_client.get(f"/projects/ATHENA2/events/{held_event.pk}/feedback/").content.decode()
    assert "Ivan Petrov" in page and "Luka Horvat" in page and "Mira Novak" not in page
    response = staff_client.post(f"/projects/ATHENA2/events/{held_event.pk}/feedback/remind/", follow=True)
    assert "1 reminders were sent" in response.content.decode()  # Luka has no e-mail address
    assert [message.to for message in mailoutbox] == [["ivan@example.org"]]
    ivan = held_event.registrations.get(person__name="Ivan Petrov")
    assert f"/feedback/{ivan.feedback_token}/" in mailoutbox[0].body
    ivan.refresh_from_db()
    assert ivan.feedback_reminded_at is not None


def test_the_feedback_page_shows_the_averages(client, client_for, manager, held_event):
    for name, overall in (("Ana Popescu", "5"), ("Ivan Petrov", "2")):
        registration = held_event.registrations.get(person__name=name)
        client.post(f"/feedback/{registration.feedback_token}/", {**ANSWERS, "overall": overall})
    response = client_for(manager).get(f"/projects/ATHENA2/events/{held_event.pk}/feedback/")
    assert response.context["averages"]["overall"] == 3.5
    assert '<td data-rating="overall">3.5 / 5</td>' in response.content.decode()


def test_an_unknown_link_is_not_found(client, held_event):
    assert client.get("/feedback/00000000-0000-0000-0000-000000000000/").status_code == 404
