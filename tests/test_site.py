"""Site-wide pages that belong to no app (`selec_portal.views`): the health check and the favicon."""

import json
from datetime import timedelta

from django.contrib.staticfiles import finders
from django.utils import timezone

from tests.utils import get_ok


def test_healthz_reports_every_part_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "outbox": "ok",
        "outbox_pending": 0,
        "outbox_oldest_seconds": None,
    }


def test_healthz_says_degraded_but_answers_200_when_the_broker_is_down(client, db, monkeypatch):
    """Pages and writes go on without the broker (the work waits in the outbox): a load balancer keeps the node."""
    from selec_portal.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert body["broker"].startswith("error")


def test_healthz_says_the_outbox_is_late_when_a_task_waits_too_long(client, db, settings):
    from projects.models import OutboxMessage

    OutboxMessage.objects.create(task="projects.tasks.audit_seal", created_at=timezone.now() - timedelta(minutes=6))
    body = json.loads(client.get("/healthz").content)
    assert (body["status"], body["outbox"], body["outbox_pending"]) == ("degraded", "late", 1)
    assert body["outbox_oldest_seconds"] >= 360
    settings.PORTAL_OUTBOX_LATE_SECONDS = 3600
    assert json.loads(client.get("/healthz").content)["status"] == "ok"


def test_every_page_names_the_vendored_favicon_and_favicon_ico_leads_to_it(client_for, staff, client):
    page = get_ok(client_for(staff), "/").content.decode()
    assert '<link rel="icon" href="/static/img/favicon.ico"' in page
    path = finders.find("img/favicon.ico")
    assert path is not None
    with open(path, "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file
    client.logout()
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url == "/static/img/favicon.ico"


def test_livez_answers_without_asking_the_database_or_redis(client, db, django_assert_num_queries, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert client.post("/livez").status_code == 405
