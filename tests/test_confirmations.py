"""Every destructive action asks first. Every page of the permission matrix is rendered for a superuser (who sees
every button), its POST forms are read, and each one is sorted by where it posts: an action that deletes, cancels,
revokes, removes, withdraws or otherwise irreversibly changes something must carry `data-confirm` (static/js/
portal.js asks the question), one known to be harmless needs nothing, and a form posting somewhere new fails the test
until it is sorted here. So a new destructive button without a question cannot land unnoticed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from operations.models import JointActivity, ValidationState
from projects.models import Project
from tests.conferences.conftest import make_event
from tests.permission_matrix import URLS
from tests.test_permission_matrix import address
from tests.test_permission_matrix import world as world  # the matrix's data set (a module-scoped fixture)

# Where a form posts (the URL's name, with the transition of an activity after a colon): why it must ask.
DESTRUCTIVE = {
    "conferences:registration-delete": "withdraws a registration",
    "conferences:session-delete": "removes a session from the agenda",
    "conferences:checkin-no-shows": "marks everyone not checked in as a no-show",
    "conferences:event-transition": "may cancel the event",
    "conferences:feedback-remind": "sends e-mails that cannot be called back",
    "imobex:roadmap-version-decide": "approves or returns a road-map version, for good",
    "operations:activity-transition:advance": "moves an activity's status forward, never back",
    "operations:activity-transition:reopen": "takes a validated activity out of the counts",
    "usersessions_list": "ends the user's other sessions",
    "reporting:report-submit": "freezes the report as sent to the funder (a correction is a new version)",
}
# Harmless, or undone as easily as done.
SAFE = {
    "logout": "logs out",
    "account_logout": "logs out",
    "reporting:report-generate": "queues a report file",
    "reporting:notifications": "marks notifications as read",
    "operations:attachment-add": "adds a file",
    "operations:activity-transition:submit": "submits for validation (the manager can send it back)",
    "operations:activity-transition:validate": "validates (the manager can reopen it)",
    "operations:activity-transition:return": "sends back to the author with a comment",
    "conferences:certificates": "makes a PDF",
    "conferences:checkin-mark": "checks someone in, or undoes it",
    "conferences:registration-import-confirm": "the import's own confirmation page",
    "password_change": "changes the password (the old one is asked)",
    "account_email": "adds or verifies an address; removing one asks (allauth's script, see allauth_asks)",
    "account_reset_password": "sends a reset link",
    "account_reauthenticate": "asks for the password again",
    "mfa_reauthenticate": "asks for the second factor again",
}
# A form without an action posts to its own page: the page's create or edit form (a confirmation page included).
DESTRUCTIVE_WORDS = re.compile(r"\b(delete|remove|cancel|revoke|withdraw|discard|erase|end the)\b", re.I)


@dataclass
class Form:
    action: str
    confirm: str | None
    buttons: list[dict] = field(default_factory=list)


class PostForms(HTMLParser):
    """The POST forms of a page and their submit buttons (attributes and text)."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._button: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            post = (attrs.get("method") or "").lower() == "post"
            self._form = Form(attrs.get("action") or "", attrs.get("data-confirm")) if post else None
            if post:
                self.forms.append(self._form)
        elif self._form is not None and tag == "button" and (attrs.get("type") or "submit") == "submit":
            self._button = attrs | {"text": ""}
            self._form.buttons.append(self._button)
        elif self._form is not None and tag == "input" and attrs.get("type") == "submit":
            self._form.buttons.append(attrs | {"text": attrs.get("value") or ""})

    def handle_data(self, data):
        if self._button is not None:
            self._button["text"] += data

    def handle_endtag(self, tag):
        if tag == "button":
            self._button = None
        elif tag == "form":
            self._form = None


def allauth_asks(button: dict, response) -> bool:
    """allauth's e-mail page asks before removing an address with its own static script (account.js, allowed by the
    Content Security Policy): a second question from data-confirm would ask twice."""
    return button.get("name") == "action_remove" and b"allauth.account.forms.manageEmailForm" in response.content


def kind_of(action: str, page: str) -> str | None:
    """The name a form is sorted by, or None for a form without an action (it posts to its own page)."""
    path = urlsplit(action).path
    if not path:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return f"unknown {path}"
    name = match.view_name
    return f"{name}:{match.kwargs['action']}" if name == "operations:activity-transition" else name


def pages(data) -> list[str]:
    found = []
    for key, rows in URLS.items():
        for row in rows if isinstance(rows, list) else [rows]:
            if row.get.get("admin") == 200:
                found.append(address(key, row.kwargs(data)))
    return sorted(set(found))


def show_every_destructive_button(world) -> list[str]:
    """What the matrix's data set lacks to show every button: a validated activity (reopen), an event whose status
    may change, a second session of the admin (end the other sessions). Returns the extra pages to read."""
    admin = world.data.users["admin"]
    JointActivity.objects.filter(pk=world.data.sensitive_activity).update(validation_state=ValidationState.VALIDATED)
    event = make_event(Project.objects.get(code="ATHENA2"), title="Workshop that may be cancelled")
    elsewhere = Client()
    elsewhere.force_login(admin)
    for key in (world.cookies["admin"], elsewhere.session.session_key):
        UserSession.objects.get_or_create(user=admin, session_key=key, defaults={"ip": "10.0.0.2", "user_agent": key})
    return [reverse("conferences:event-detail", args=["ATHENA2", event.pk])]


def test_every_destructive_button_asks_first(world, db):
    extra = show_every_destructive_button(world)
    client = world.client("admin")
    seen, unsorted, unasked = set(), set(), []
    for url in pages(world.data) + extra:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = PostForms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            kind = kind_of(form.action, url)
            for button in form.buttons:
                asks = bool(button.get("data-confirm") or form.confirm) or allauth_asks(button, response)
                if kind in DESTRUCTIVE or DESTRUCTIVE_WORDS.search(button["text"]):
                    if not asks:
                        unasked.append(f"{url}: {button['text'].strip()!r} posting to {kind or 'the page'}")
                elif kind is not None and kind not in SAFE:
                    unsorted.add(f"{kind} (from {url})")
                seen.add(kind)
    assert not unasked, f"destructive buttons that do not ask first: {unasked}"
    assert not unsorted, f"forms posting somewhere not sorted as DESTRUCTIVE or SAFE in this test: {unsorted}"
    assert set(DESTRUCTIVE) - seen == set(), "the data set shows no button for these: the test would miss them"
