"""Webhooks: the services' domain events become thin, signed deliveries to a real local HTTP receiver, retried
with growing delays, given up, and the endpoint disabled after repeated failure; internal targets are refused."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from api.webhooks import services, signing
from api.webhooks.addresses import TargetRefused, check_target
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from operations.services import activity_submit, activity_validate
from projects.models import AuditEvent, OutboxMessage

Status = WebhookDelivery.Status


def _deliveries(**filters):
    return list(WebhookDelivery.objects.filter(**filters).order_by("id"))


def _submitted(make_activity, staff, **fields):
    activity = make_activity(**fields)
    return activity_submit(activity=activity, user=staff)


# --- events and payloads --------------------------------------------------------------------------------------------


def test_a_submitted_activity_gives_each_subscribed_endpoint_a_thin_delivery_queued_through_the_outbox(
    endpoint, make_activity, staff, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example.org/"
    activity = _submitted(make_activity, staff, title="Operation Kestrel", summary="Informant: Ana Pop")
    (delivery,) = _deliveries()
    assert delivery.event_type == "activity.submitted" and delivery.endpoint == endpoint
    assert delivery.payload == {
        "type": "activity.submitted",
        "timestamp": delivery.payload["timestamp"],
        "data": {
            "project": "ATHENA2",
            "id": activity.pk,
            "url": f"https://portal.example.org/api/v1/projects/ATHENA2/activities/{activity.pk}/",
        },
    }
    assert "Kestrel" not in json.dumps(delivery.payload) and "Ana Pop" not in json.dumps(delivery.payload)
    assert OutboxMessage.objects.filter(task="api.tasks.webhook_deliver", args=[delivery.pk]).exists()


def test_an_endpoint_gets_only_the_events_and_projects_it_subscribes_to(
    receiver, make_activity, staff, manager, imobex
):
    only_validated = WebhookEndpoint.objects.create(name="V", url=receiver.url, events=["activity.validated"])
    other_project = WebhookEndpoint.objects.create(name="I", url=receiver.url, events=["activity.submitted"])
    other_project.projects.set([imobex])
    WebhookEndpoint.objects.create(name="Off", url=receiver.url, events=["activity.submitted"], is_active=False)
    activity = _submitted(make_activity, staff)
    assert _deliveries() == []
    activity_validate(activity=activity, user=manager)
    assert [(d.endpoint, d.event_type) for d in _deliveries()] == [(only_validated, "activity.validated")]


def test_a_sensitive_activity_never_produces_a_webhook(endpoint, make_activity, manager):
    activity = make_activity(is_sensitive=True)
    activity = activity_submit(activity=activity, user=manager)
    activity_validate(activity=activity, user=manager)
    assert _deliveries() == []
    assert not OutboxMessage.objects.filter(task="api.tasks.webhook_deliver").exists()


def test_a_rolled_back_change_sends_nothing(endpoint, make_activity, staff, django_capture_on_commit_callbacks):
    activity = make_activity()
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            activity_submit(activity=activity, user=staff)
            assert len(_deliveries()) == 1
            raise RuntimeError("the request failed after the submit")
    assert _deliveries() == [] and not OutboxMessage.objects.exists()
    assert [c for c in callbacks if not getattr(c, "seals_audit_trail", False)] == []


def test_an_event_marked_held_and_a_validated_coverage_are_announced(endpoint, athena, imobex, manager, admin_user):
    from conferences.models import Event
    from conferences.services import event_transition
    from imobex.services import coverage_set_state
    from projects.models import Country
    from tests.conferences.conftest import make_event

    event = make_event(athena, start_date=timezone.localdate() - timedelta(days=1))
    event_transition(user=manager, event=event, status=Event.Status.HELD)
    romania = Country.objects.get(code="RO")
    for state in ("requested", "received", "validated"):
        coverage = coverage_set_state(
            user=admin_user, project=imobex, country=romania, state=state, source="questionnaire"
        )
    coverage_set_state(user=admin_user, project=imobex, country=romania, state="validated", source="interview")
    assert [(d.event_type, d.payload["data"]["url"].split("/v1/")[1]) for d in _deliveries()] == [
        ("event.held", f"projects/ATHENA2/events/{event.pk}/"),
        ("coverage.validated", "projects/IMOBEX/coverage/RO/"),
    ]
    assert _deliveries()[1].payload["data"] | {"url": ""} == {
        "project": "IMOBEX",
        "id": coverage.pk,
        "country": "RO",
        "url": "",
    }


def test_a_finished_report_file_is_announced_as_ready(endpoint, athena, manager, settings, tmp_path):
    from projects.jobs import job_execute
    from reporting.models import ReportingPeriod
    from reporting.services import report_generate

    settings.MEDIA_ROOT = tmp_path
    period = ReportingPeriod.objects.create(
        project=athena, kind="content", title="Interim", start=date(2025, 1, 1), end=date(2025, 6, 30),
        due_date=date(2025, 7, 31),
    )  # fmt: skip
    job = report_generate(user=manager, period=period, fmt="csv")
    assert _deliveries() == []  # asked for, not ready yet
    assert job_execute(job_id=job.pk).status == "succeeded"
    (delivery,) = _deliveries()
    assert delivery.event_type == "report.ready"
    assert delivery.payload["data"]["url"].endswith(f"/api/v1/projects/ATHENA2/reporting-periods/{period.pk}/")


# --- signing and sending --------------------------------------------------------------------------------------------


def test_a_delivery_reaches_the_receiver_signed_with_the_endpoints_secret(endpoint, receiver, make_activity, staff):
    _submitted(make_activity, staff)
    (delivery,) = _deliveries()
    assert services.delivery_attempt(delivery_id=delivery.pk) == Status.SUCCEEDED
    (received,) = receiver.requests
    assert received.path == "/hooks/selec?source=portal"
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["webhook-id"] == str(delivery.message_id)
    assert json.loads(received.body) == delivery.payload
    signing.verify(endpoint.secret, received.headers, received.body)  # raises if not
    with pytest.raises(signing.InvalidSignature):
        signing.verify(signing.new_secret(), received.headers, received.body)
    with pytest.raises(signing.InvalidSignature):
        signing.verify(endpoint.secret, received.headers, received.body.replace(b"ATHENA2", b"IMOBEX"))
    with pytest.raises(signing.InvalidSignature):  # a replay, long after
        signing.verify(
            endpoint.secret, received.headers, received.body, now=int(received.headers["webhook-timestamp"]) + 3600
        )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.SUCCEEDED, 1, 204)
    assert delivery.delivered_at is not None and delivery.last_response_ms is not None
    assert services.delivery_attempt(delivery_id=delivery.pk) is None  # delivered: a second task sends nothing
    assert len(receiver.requests) == 1
    disclosed = AuditEvent.objects.get(action="disclose", object_type="api.WebhookDelivery")
    assert disclosed.details["to"] == endpoint.url


def test_the_signature_is_the_standard_webhooks_one():
    """The example of the Standard Webhooks specification's test vectors."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert signing.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected


def test_a_failing_receiver_is_retried_with_growing_delays_then_given_up(endpoint, receiver, make_activity, staff):
    receiver.status = 500
    _submitted(make_activity, staff)
    (delivery,) = _deliveries()
    delays, now = [], timezone.now()
    for _attempt in range(6):
        before = timezone.now()
        services.delivery_attempt(delivery_id=delivery.pk, now=now)
        delivery.refresh_from_db()
        if delivery.next_attempt_at is not None:
            delays.append(round((delivery.next_attempt_at - before).total_seconds() / 10) * 10)
            assert services.delivery_attempt(delivery_id=delivery.pk, now=now) is None  # not due yet
            now = delivery.next_attempt_at
    assert delays == [60, 300, 1800, 7200, 43200]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.GAVE_UP, 6, 500)
    assert "500" in delivery.last_error
    assert len(receiver.requests) == 6
    assert {r.headers["webhook-id"] for r in receiver.requests} == {str(delivery.message_id)}  # one message, retried
    assert AuditEvent.objects.filter(action="transition", object_type="api.WebhookDelivery").exists()


def test_beat_queues_the_due_retries_once_and_the_attempts_of_a_lost_worker(endpoint, make_activity, staff):
    _submitted(make_activity, staff)
    (delivery,) = _deliveries()
    now = timezone.now()
    assert services.deliveries_dispatch(now=now) == []  # its first task is in the queue
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=Status.FAILED, queued_until=None)
    assert services.deliveries_dispatch(now=now) == [delivery.pk]
    assert services.deliveries_dispatch(now=now) == []  # queued: not again before the queue's lease runs out
    # A worker claims it and dies mid-send: once its lease and the queue's have run out, it is due again.
    assert services._claim(delivery.pk, now) is not None
    assert services.deliveries_dispatch(now=now + timedelta(minutes=5)) == []
    assert services.deliveries_dispatch(now=now + timedelta(minutes=11)) == [delivery.pk]


def test_an_endpoint_failing_again_and_again_is_disabled_with_a_notice(
    endpoint, receiver, settings, mailoutbox, admin_user, celery_eager, django_capture_on_commit_callbacks
):
    settings.PORTAL_WEBHOOK_DISABLE_AFTER = 3
    receiver.status = 503
    payload = {"type": "activity.submitted", "timestamp": "2026-12-01T09:00:00Z", "data": {}}
    deliveries = [
        services.delivery_create(endpoint=endpoint, event_type="activity.submitted", payload=payload) for _ in range(4)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for delivery in deliveries[:3]:
            assert services.delivery_attempt(delivery_id=delivery.pk) == Status.FAILED
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert "3 failed attempts in a row" in endpoint.disabled_reason and "503" in endpoint.disabled_reason
    assert {d.status for d in _deliveries()} == {Status.GAVE_UP}  # nothing more goes to it
    assert services.delivery_attempt(delivery_id=deliveries[3].pk) is None
    (notice,) = mailoutbox
    assert admin_user.email in notice.to and "Partner CMS" in notice.subject and "503" in notice.body
    assert AuditEvent.objects.filter(action="transition", object_type="api.WebhookEndpoint").exists()
    assert AuditEvent.objects.filter(action="disclose", object_type="api.WebhookEndpoint").exists()


def test_a_success_starts_the_count_of_failures_again(endpoint, receiver, settings):
    payload = {"type": "activity.submitted", "timestamp": "2026-12-01T09:00:00Z", "data": {}}
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=7)
    delivery = services.delivery_create(endpoint=endpoint, event_type="activity.submitted", payload=payload)
    assert services.delivery_attempt(delivery_id=delivery.pk) == Status.SUCCEEDED
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


# --- the allow-list --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/hook", "https://10.1.2.3/hook", "https://169.254.169.254/latest/meta-data/",
     "https://[::1]/hook", "https://localhost/hook", "https://0.0.0.0/", "https://224.0.0.1/", "https://[::ffff:127.0.0.1]/"],
)  # fmt: skip
def test_internal_targets_are_refused_unless_listed(url, settings):
    settings.PORTAL_WEBHOOK_ALLOWED_NETWORKS = []
    with pytest.raises(TargetRefused):
        check_target(url)


def test_a_listed_network_or_host_is_allowed_and_may_use_http(settings):
    settings.PORTAL_WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16", "localhost"]
    settings.DEBUG = False
    assert str(check_target("http://10.20.3.4:8080/hook").addresses[0]) == "10.20.3.4"
    check_target("http://localhost/hook")
    with pytest.raises(TargetRefused):
        check_target("https://10.21.0.1/hook")


def test_a_public_target_needs_https_outside_development(settings):
    settings.PORTAL_WEBHOOK_ALLOWED_NETWORKS = []
    settings.DEBUG = False
    target = check_target("https://93.184.215.14/hooks?x=1")
    assert (target.scheme, target.port, target.path) == ("https", 443, "/hooks?x=1")
    with pytest.raises(TargetRefused, match="https"):
        check_target("http://93.184.215.14/hooks")
    for url in ("ftp://93.184.215.14/", "https://user:pw@93.184.215.14/", "/relative"):
        with pytest.raises(TargetRefused):
            check_target(url)


def test_the_address_is_checked_again_at_delivery(endpoint, receiver, settings, make_activity, staff):
    _submitted(make_activity, staff)
    settings.PORTAL_WEBHOOK_ALLOWED_NETWORKS = []  # taken off the list after the endpoint was saved
    (delivery,) = _deliveries()
    assert services.delivery_attempt(delivery_id=delivery.pk) == Status.FAILED
    delivery.refresh_from_db()
    assert "internal address" in delivery.last_error and delivery.last_status_code is None
    assert receiver.requests == []


def test_saving_an_endpoint_checks_its_address(admin_user, settings):
    settings.PORTAL_WEBHOOK_ALLOWED_NETWORKS = []
    endpoint = WebhookEndpoint(name="Internal", url="https://10.0.0.5/hook", events=["event.held"])
    with pytest.raises(ValidationError) as refused:
        services.endpoint_save(user=admin_user, endpoint=endpoint)
    assert "url" in refused.value.message_dict and not WebhookEndpoint.objects.exists()
    endpoint = WebhookEndpoint(name="Bad events", url="https://93.184.215.14/", events=["activity.deleted"])
    with pytest.raises(ValidationError, match="Unknown events"):
        services.endpoint_save(user=admin_user, endpoint=endpoint)
