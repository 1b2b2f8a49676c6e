"""Site-wide pages that belong to no app (`selec_portal.views`): the health check and the favicon."""

import json

from django.contrib.staticfiles import finders

from tests.utils import get_ok


def test_healthz_reports_database_and_broker_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_answers_503_when_the_broker_is_down(client, db, monkeypatch):
    from selec_portal.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


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
