from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from conferences import tasks
from conferences.models import Event, FeedbackResponse, Registration
from conferences.services import feedback_remind, feedback_reminder_send, feedback_submit
from projects.mail import TransientMailError
from projects.models import OutboxMessage
from tests.reporting import mail_backends

from .conftest import TODAY, make_event, make_person, register

ANSWERS = {"overall": "5", "content": "4", "organisation": "4", "usefulness": "5", "comments": "Very useful."}


@pytest.fixture
def held_event(athena):
    start = TODAY - timedelta(days=3)
    event = make_event(athena, title="Held workshop", start_date=start, status=Event.Status.HELD)
    register(event, make_person("Ana Popescu"), email="ana@example.org", attended_days=[start])
    register(event, make_person("Ivan Petrov", "BG", "MoI BG"), email="ivan@example.org", attended_days=[start])
    register(event, make_person("Luka Horvat", "HR", None), attended_days=[start])  # no e-mail
    register(event, make_person("Mira Novak", "SI", "GPU"), email="mira@example.org")  # did not come
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


def test_a_reminder_goes_to_the_attendees_who_have_not_answered(
    client, client_for, staff, held_event, mailoutbox, celery_eager, django_capture_on_commit_callbacks
):
    ana = held_event.registrations.get(person__name="Ana Popescu")
    client.post(f"/feedback/{ana.feedback_token}/", ANSWERS)
    staff_client = client_for(staff)
    page = staff_client.get(f"/projects/ATHENA2/events/{held_event.pk}/feedback/").content.decode()
    assert "Ivan Petrov" in page and "Luka Horvat" in page and "Mira Novak" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/projects/ATHENA2/events/{held_event.pk}/feedback/remind/", follow=True)
    assert "1 reminders are being sent" in response.content.decode()  # Luka has no e-mail address
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


# --- the reminders are e-mailed by a Celery task, after the commit, once ---------------------------------------------


def _requested(registration: Registration) -> str:
    registration.refresh_from_db()
    return registration.feedback_reminded_at.isoformat()


def test_reminders_are_queued_and_nothing_is_sent_before_the_commit(
    staff, held_event, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        assert feedback_remind(user=staff, event=held_event) == 2  # Ana and Ivan; Luka has no address
    # The other callback after the commit seals the audit trail (projects.audit.seal_after_commit).
    assert len([callback for callback in callbacks if not getattr(callback, "seals_audit_trail", False)]) == 2
    queued = OutboxMessage.objects.filter(task="conferences.tasks.feedback_reminder_send")
    ana_and_ivan = held_event.registrations.filter(person__name__in=["Ana Popescu", "Ivan Petrov"])
    assert sorted(args[0] for args in queued.values_list("args", flat=True)) == sorted(r.pk for r in ana_and_ivan)
    assert mailoutbox == []


def test_a_reminder_delivered_twice_is_sent_once(staff, held_event, mailoutbox):
    feedback_remind(user=staff, event=held_event)  # the test's transaction never commits: nothing is sent
    ivan = held_event.registrations.get(person__name="Ivan Petrov")
    requested = _requested(ivan)
    assert tasks.feedback_reminder_send(ivan.pk, requested) is True
    assert tasks.feedback_reminder_send(ivan.pk, requested) is False
    assert [message.to for message in mailoutbox] == [["ivan@example.org"]]
    assert f"/feedback/{ivan.feedback_token}/" in mailoutbox[0].body


def test_the_task_of_an_earlier_request_sends_nothing(staff, held_event, mailoutbox):
    ivan = held_event.registrations.get(person__name="Ivan Petrov")
    feedback_remind(user=staff, event=held_event)
    earlier = _requested(ivan)
    feedback_remind(user=staff, event=held_event)  # the staff asked again before the first task ran
    assert feedback_reminder_send(registration_id=ivan.pk, requested_at=earlier) is False
    assert feedback_reminder_send(registration_id=ivan.pk, requested_at=_requested(ivan)) is True
    assert len(mailoutbox) == 1


def test_no_reminder_goes_to_someone_who_answered_meanwhile(client, staff, held_event, mailoutbox):
    ana = held_event.registrations.get(person__name="Ana Popescu")
    feedback_remind(user=staff, event=held_event)
    client.post(f"/feedback/{ana.feedback_token}/", ANSWERS)
    assert feedback_reminder_send(registration_id=ana.pk, requested_at=_requested(ana)) is False
    assert mailoutbox == []


def test_a_transient_mail_failure_gives_the_reminder_back_for_a_retry(staff, held_event, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.reporting.mail_backends.FlakyBackend"
    mail_backends.failures["transient"] = 1
    ivan = held_event.registrations.get(person__name="Ivan Petrov")
    feedback_remind(user=staff, event=held_event)
    requested = _requested(ivan)
    with pytest.raises(TransientMailError):
        feedback_reminder_send(registration_id=ivan.pk, requested_at=requested)
    assert _requested(ivan) == requested  # not claimed: the retry may send it
    assert feedback_reminder_send(registration_id=ivan.pk, requested_at=requested) is True
    assert len(mailoutbox) == 1


def test_the_reminder_task_retries_only_transient_failures_and_acks_late():
    task = tasks.feedback_reminder_send
    assert task.autoretry_for == (TransientMailError,)
    assert task.acks_late and task.reject_on_worker_lost and task.retry_backoff
