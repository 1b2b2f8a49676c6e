"""Webhooks in the admin (endpoints saved through the service, the address checked; the delivery log with
"Re-send" and the test ping), and one delivery end to end: a service's event, the outbox, a real Celery worker and
the receiver."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from api.webhooks import services, signing
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from operations.services import activity_submit
from projects.models import AuditEvent, OutboxMessage
from tests.utils import admin_form_data, get_ok

Status = WebhookDelivery.Status
ADD = "admin:api_webhookendpoint_add"


def _add_form(client, **values) -> dict:
    data = admin_form_data(get_ok(client, reverse(ADD)))
    data.update(values)
    return data


def test_the_admin_refuses_an_internal_address_with_a_form_error(client_for, admin_user, settings):
    settings.PORTAL_WEBHOOK_ALLOWED_NETWORKS = []
    client = client_for(admin_user)
    for url in ("https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://169.254.169.254/", "https://[::1]/"):
        data = _add_form(client, name="Internal", url=url, events=["event.held"], is_active="on")
        response = client.post(reverse(ADD), data)
        assert response.status_code == 200, url
        assert "internal address" in " ".join(response.context["adminform"].form.errors["url"])
    assert not WebhookEndpoint.objects.exists()


def test_the_admin_adds_an_endpoint_with_a_generated_secret_audited_without_it(client_for, admin_user, receiver):
    client = client_for(admin_user)
    data = _add_form(client, name="Partner CMS", url=receiver.url, events=["event.held", "activity.validated"])
    data["is_active"] = "on"
    response = client.post(reverse(ADD), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and len(signing._key(endpoint.secret)) == 32
    assert endpoint.events == ["activity.validated", "event.held"] and endpoint.created_by == admin_user
    entry = AuditEvent.objects.get(object_type="api.WebhookEndpoint", action="create")
    assert endpoint.secret not in json.dumps(entry.details)
    page = get_ok(client, reverse("admin:api_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret in page.content.decode()  # shown to the admin, to give to the receiver


def test_a_disabled_endpoint_says_why_and_enabling_it_starts_afresh(client_for, admin_user, endpoint):
    services.endpoint_disable(endpoint=endpoint, reason="20 failed attempts in a row; the last: HTTP 503")
    client = client_for(admin_user)
    url = reverse("admin:api_webhookendpoint_change", args=[endpoint.pk])
    page = get_ok(client, url)
    assert "HTTP 503" in page.content.decode()
    data = admin_form_data(page)
    data["is_active"] = "on"
    assert client.post(url, data).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_at is None and endpoint.consecutive_failures == 0


def test_an_admin_resends_a_delivery_with_the_same_message_id(client_for, admin_user, endpoint, receiver):
    receiver.status = 500
    payload = {"type": "event.held", "timestamp": "2026-12-01T09:00:00Z", "data": {}}
    delivery = services.delivery_create(endpoint=endpoint, event_type="event.held", payload=payload)
    services.delivery_attempt(delivery_id=delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=Status.GAVE_UP, next_attempt_at=None)
    OutboxMessage.objects.all().delete()
    receiver.status = 200
    response = client_for(admin_user).post(
        reverse("admin:api_webhookdelivery_changelist"), {"action": "resend", "_selected_action": [delivery.pk]}
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 0)
    assert OutboxMessage.objects.filter(task="api.tasks.webhook_deliver", args=[delivery.pk]).exists()
    assert AuditEvent.objects.filter(object_type="api.WebhookDelivery", details__action="resend").exists()
    assert services.delivery_attempt(delivery_id=delivery.pk) == Status.SUCCEEDED
    assert [r.headers["webhook-id"] for r in receiver.requests] == [str(delivery.message_id)] * 2


def test_an_admin_sends_a_test_ping(client_for, admin_user, endpoint, receiver):
    response = client_for(admin_user).post(
        reverse("admin:api_webhookendpoint_changelist"), {"action": "send_ping", "_selected_action": [endpoint.pk]}
    )
    assert response.status_code == 302
    ping = WebhookDelivery.objects.get(event_type="webhook.ping")
    assert services.delivery_attempt(delivery_id=ping.pk) == Status.SUCCEEDED
    (received,) = receiver.requests
    assert json.loads(received.body)["type"] == "webhook.ping"
    signing.verify(endpoint.secret, received.headers, received.body)


def test_the_delivery_log_is_read_only(client_for, admin_user, endpoint):
    client = client_for(admin_user)
    assert client.get(reverse("admin:api_webhookdelivery_add")).status_code == 403
    delivery = services.delivery_create(endpoint=endpoint, event_type="event.held", payload={"type": "event.held"})
    get_ok(client, reverse("admin:api_webhookdelivery_change", args=[delivery.pk]))
    get_ok(client, reverse("admin:api_webhookdelivery_changelist") + "?status=pending")


@pytest.mark.django_db(transaction=True)
def test_a_submitted_activity_reaches_the_receiver_through_the_outbox_and_a_real_worker(
    celery_worker_running, endpoint, receiver, make_activity, staff
):
    activity = activity_submit(activity=make_activity(), user=staff)  # commits: the outbox sends, the worker posts
    deadline = time.monotonic() + 30
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.1)
    (received,) = receiver.requests
    signing.verify(endpoint.secret, received.headers, received.body)
    assert json.loads(received.body)["data"]["id"] == activity.pk
    delivery = WebhookDelivery.objects.get()
    deadline = time.monotonic() + 10
    while delivery.status != Status.SUCCEEDED and time.monotonic() < deadline:
        time.sleep(0.1)
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.SUCCEEDED, 1, 204)
    assert not OutboxMessage.objects.exists()


def test_deleting_an_endpoint_deletes_its_log_and_is_audited(client_for, admin_user, endpoint):
    services.delivery_create(endpoint=endpoint, event_type="event.held", payload={"type": "event.held"})
    url = reverse("admin:api_webhookendpoint_delete", args=[endpoint.pk])
    assert client_for(admin_user).post(url, {"post": "yes"}).status_code == 302
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert AuditEvent.objects.filter(object_type="api.WebhookEndpoint", action="delete").exists()
