"""The load scenario (issue 12): managers and staff working at once, each simulated user with an account of its own.

Run by bench/load.py (which seeds the database, creates the accounts, starts gunicorn and a Celery worker); by hand:

    LOAD_ACCOUNTS=var/load-accounts.json /tmp/venv-locust/bin/locust -f bench/locustfile.py --headless \
        -u 50 -r 5 -t 60s --host http://127.0.0.1:8767

Each user takes one account of its kind from LOAD_ACCOUNTS (`manage.py bench_accounts`), logs in once through the
real login form and the second factor (the code its authenticator app would show, computed from its secret) and
then works: managers open the portfolio, the dashboards, the project pages and lists, export lists (CSV, XLSX) and
have the worker render a progress report (queued, polled as its page does, downloaded); staff log joint
activities and edit them through the real forms (their CSRF token, their formsets, the server's validation), and
register participants for events. Everyone also asks for `/healthz` now and then: the trivial view, the floor
every page is compared to. Redirects are never followed: every answer must be the one expected (a page 200, a
saved form 302 to where a save leads), anything else is a failure. This file imports nothing of the portal (it runs
in locust's own virtual environment).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import re
import struct
import time
from collections import defaultdict
from html.parser import HTMLParser
from itertools import count

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser

DATA = json.load(open(os.environ.get("LOAD_ACCOUNTS", "var/load-accounts.json")))
ACCOUNTS = defaultdict(list)
for _account in DATA["accounts"]:
    ACCOUNTS[_account["kind"]].append(_account)
ACTIVITIES = "ATHENA2"  # the project of the joint activities (operations.models.OPERATIONS_PROJECTS)
_serial = count(1)

# Every answer as [name, phase, ms, error]: "ramp" until every user has logged in (each login's password check holds
# a server worker for a while), then "load", which lasts LOAD_SECONDS and ends the run. Written to LOAD_SAMPLES with
# the load's start and end (epoch seconds) when locust quits, for bench/load.py's percentiles and count of errors.
SAMPLES: list[list] = []
RUN = {"phase": "ramp", "logged in": 0, "load started": None, "load ended": None, "environment": None}


@events.init.add_listener
def _init(environment, **_kwargs) -> None:
    RUN["environment"] = environment


@events.request.add_listener
def _keep(name, response_time, exception=None, **_kwargs) -> None:
    SAMPLES.append([name, RUN["phase"], round(response_time, 1), None if exception is None else str(exception)[:300]])


def _logged_in() -> None:
    RUN["logged in"] += 1
    if RUN["logged in"] == len(DATA["accounts"]):  # bench_accounts made one account per user
        RUN["phase"], RUN["load started"] = "load", time.time()
        gevent.spawn_later(float(os.environ.get("LOAD_SECONDS", "60")), _stop)


def _stop() -> None:
    RUN["phase"], RUN["load ended"] = "after", time.time()  # answers still coming are not counted
    RUN["environment"].runner.quit()


@events.quitting.add_listener
def _write(**_kwargs) -> None:
    if os.environ.get("LOAD_SAMPLES"):
        run = {"load started": RUN["load started"], "load ended": RUN["load ended"], "samples": SAMPLES}
        with open(os.environ["LOAD_SAMPLES"], "w") as file:
            json.dump(run, file)


def totp(secret: str, at: float | None = None) -> str:
    """The 6-digit code (RFC 6238: SHA-1, 30-second steps) an authenticator app with this secret shows."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


class Forms(HTMLParser):
    """The forms of a page as a browser would submit them: each its action, method and (name, value) pairs, with
    only the checked boxes and the selected options; submit buttons are left out."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: tuple[str, bool, list, list] | None = None  # name, multiple, selected, first option
        self._textarea: tuple[str, list] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": []})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name") and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.forms[-1]["fields"].append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name") and "disabled" not in a:
            self._select = (a["name"], "multiple" in a, [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if not self._select[3]:
                self._select[3].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea" and a.get("name") and "disabled" not in a:
            self._textarea = (a["name"], [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, multiple, selected, first = self._select
            values = selected if (selected or multiple) else first
            self.forms[-1]["fields"].extend((name, v) for v in values)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._textarea[1])
            self.forms[-1]["fields"].append((self._textarea[0], text[1:] if text.startswith("\n") else text))
            self._textarea = None


def post_form(html: str, having: str) -> dict[str, list[str]]:
    """The fields of the page's POST form that has a field named `having` (its CSRF token included)."""
    for form in Forms(html).forms:
        names = {name for name, _value in form["fields"]}
        if form["method"] == "post" and having in names and "csrfmiddlewaretoken" in names:
            fields: dict[str, list[str]] = defaultdict(list)
            for name, value in form["fields"]:
                fields[name].append(value)
            return fields
    raise AssertionError(f"no POST form with a field {having!r} on the page")


def options(html: str, select: str) -> list[str]:
    """The non-empty values offered by the <select name=...> of the page."""
    match = re.search(rf'<select[^>]*name="{re.escape(select)}"[^>]*>(.*?)</select>', html, re.S)
    return [v for v in re.findall(r'<option value="([^"]*)"', match.group(1) if match else "") if v]


class PortalUser(HttpUser):
    abstract = True
    kind = ""
    wait_time = between(5, 20)  # between two things a user does: reading a page, deciding what next

    def think(self) -> None:
        """A pause inside one thing done: reading the form, filling it in."""
        time.sleep(random.uniform(2, 5))

    def on_start(self) -> None:
        if not ACCOUNTS[self.kind]:
            raise StopUser()  # more users of this kind than accounts: never two users on one account
        self.account = ACCOUNTS[self.kind].pop()
        self.login()

    # --- requests: never following a redirect, the answer checked ---------------------------------------------

    def get(self, path: str, name: str, *, status: int = 200, expect: str = "", headers=None) -> str:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True, headers=headers) as r:
            if r.status_code != status:
                r.failure(f"{r.status_code} (expected {status}) {r.headers.get('Location', '')}")
            elif expect and expect not in r.text:
                r.failure(f"answer without {expect!r}")
            return r.text or ""

    def post(self, path: str, fields: dict, name: str, *, redirect: str = "", ok=None) -> str:
        """POST the form; success is a 302 to a path starting `redirect`, or `ok(text)` true of a page shown."""
        with self.client.post(path, data=fields, name=name, allow_redirects=False, catch_response=True) as r:
            location = r.headers.get("Location", "")
            if r.status_code == 302 and location.startswith(redirect):
                return location
            if r.status_code == 200 and ok is not None and ok(r.text):
                return ""
            errors = re.findall(r'class="invalid-feedback[^"]*"[^>]*>\s*(?:<strong>)?([^<]+)', r.text or "")
            alert = re.findall(r'class="alert alert-danger[^"]*"[^>]*>\s*([^<]+)', r.text or "")
            r.failure(f"{r.status_code} {location} {errors[:3] or alert[:2]}")
            return ""

    def login(self) -> None:
        page = self.get("/login/", "login page")
        fields = post_form(page, "login")
        self.think()
        fields["login"], fields["password"] = [self.account["username"]], [self.account["password"]]
        to = self.post("/login/", fields, "login (password)", redirect="/accounts/2fa/authenticate/")
        if not to:
            raise StopUser()
        page = self.get(to, "login: second-factor page")
        fields = post_form(page, "code")
        self.think()
        fields["code"] = [totp(self.account["totp_secret"])]
        if not self.post(to, fields, "login (second factor)", redirect="/"):
            raise StopUser()
        _logged_in()

    @task(2)
    def floor(self) -> None:
        self.get("/healthz", "floor: /healthz", expect='"status": "ok"')

    def export(self, path: str, name: str, fmt: str) -> None:
        kind = {"csv": "text/csv", "xlsx": "spreadsheetml"}[fmt]
        with self.client.get(f"{path}.{fmt}", name=f"{name} (.{fmt})", allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200 or kind not in r.headers.get("Content-Type", "") or not r.content:
                r.failure(f"{r.status_code} {r.headers.get('Content-Type')}")


class Manager(PortalUser):
    """A project manager (ATHENA2, DTP-TOC, IMOBEX): reads, exports, has reports rendered."""

    kind = "manager"
    fixed_count = len(ACCOUNTS["manager"])

    @task(3)
    def portfolio(self) -> None:
        self.get("/", "portfolio /")

    @task(3)
    def dashboard(self) -> None:
        code = random.choice(list(DATA["roles"]["manager"]))
        self.get(f"/projects/{code}/dashboard/", "dashboard /projects/[code]/dashboard/")

    @task(1)
    def project_page(self) -> None:
        code = random.choice(list(DATA["roles"]["manager"]))
        self.get(f"/projects/{code}/", "project page /projects/[code]/")

    @task(1)
    def coverage(self) -> None:
        self.get("/projects/IMOBEX/coverage/", "coverage board (IMOBEX)")

    @task(2)
    def activities(self) -> None:
        self.get(f"/projects/{ACTIVITIES}/activities/", "activity list")

    @task(2)
    def exports(self) -> None:
        fmt = random.choice(["csv", "xlsx"])
        which = random.choice(["activities", "events", "registrations"])
        if which == "activities":
            self.export(f"/projects/{ACTIVITIES}/activities/export", "export: activities", fmt)
        elif which == "events":
            self.export(f"/projects/{random.choice(list(DATA['roles']['staff']))}/events/export", "export: events", fmt)
        else:
            event = random.choice(DATA["events"])
            path = f"/projects/{event['code']}/events/{event['pk']}/registrations/export"
            self.export(path, "export: participants", fmt)

    @task(1)
    def progress_report(self) -> None:
        """Have the worker render a period's progress report (XLSX or CSV), wait as its page does, download it."""
        period = random.choice(DATA["periods"])
        base = f"/projects/{period['code']}/reports/{period['pk']}/"
        fmt = random.choice(["xlsx", "csv"])
        page = self.get(base, "report period page", expect=f"{base}generate/{fmt}/")
        match = re.search(rf'<form method="post" action="({re.escape(base)}generate/{fmt}/)">(.*?)</form>', page, re.S)
        if match is None:
            return
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', match.group(2)).group(1)
        job = self.post(match.group(1), {"csrfmiddlewaretoken": token}, "report: queue", redirect="/projects/")
        if job:
            self.wait_for(job)

    def wait_for(self, job: str, limit: float = 60) -> None:
        """Poll the job's status as its page does (every second), then download its result. How long the worker took
        from the queueing to the end is reported as a request of its own ("JOB")."""
        start, error = time.monotonic(), AssertionError(f"not done within {limit:.0f} s")
        while time.monotonic() - start < limit:
            status = self.get(job, "report: job status (polled)", headers={"HX-Request": "true"})
            state = re.search(r'data-status="(\w+)"', status)
            if state and state.group(1) in ("succeeded", "failed"):
                error = None if state.group(1) == "succeeded" else AssertionError("the job failed")
                break
            time.sleep(1)
        elapsed = (time.monotonic() - start) * 1000
        name = "report: queued to done (worker)"
        events.request.fire(request_type="JOB", name=name, response_time=elapsed, response_length=0, exception=error)
        if error is None:
            self.get(job + "download/", "report: download")


class Staff(PortalUser):
    """Staff of ATHENA2 and DTP-TOC: log and edit joint activities, register participants."""

    kind = "staff"
    fixed_count = len(ACCOUNTS["staff"])

    def on_start(self) -> None:
        super().on_start()
        self.logged: list[str] = []  # the activities this user logged (their detail paths)
        self.full: set[int] = set()  # events found full for delegates

    @task(2)
    def activities(self) -> None:
        page = self.get(f"/projects/{ACTIVITIES}/activities/?page={random.randint(1, 5)}", "activity list")
        found = re.findall(rf'href="(/projects/{ACTIVITIES}/activities/\d+/)"', page)
        if found:
            self.get(random.choice(found), "activity detail")

    @task(3)
    def log_activity(self) -> None:
        path = f"/projects/{ACTIVITIES}/activities/new/"
        page = self.get(path, "activity form (new)")
        fields = post_form(page, "title")
        self.think()
        countries = options(page, "lead_country")
        search = self.get("/pick/organisations/?q=po", "picker: organisations")
        agencies = [str(item["id"]) for item in json.loads(search or "{}").get("results", [])]
        here, there = random.sample(countries, 2)
        n = next(_serial)
        start = time.strftime("%Y-%m-%d", time.gmtime(time.time() - random.randint(3, 300) * 86400))
        fields.update(
            type=["joint_patrol"], title=[f"Load test patrol {self.account['username']} {n}"],
            reference=[f"LOAD-{self.account['username']}-{n}"], lead_country=[here],
            lead_agency=[random.choice(agencies)] if agencies else [""], start_date=[start], end_date=[start],
            status=["completed"], summary=["Mixed patrol logged by the load test."],
        )  # fmt: skip
        rows = {
            "places": [{"city": "Giurgiu", "country": here}],
            "countries": [{"country": here, "officers_deployed": "6"}, {"country": there, "officers_deployed": "4"}],
            "officers": [{"name": f"LOAD-OFF-{n}", "country": here, "organisation": "", "role": "field_officer"}],
        }
        for prefix, items in rows.items():
            fields[f"{prefix}-TOTAL_FORMS"] = [str(len(items))]
            for i, row in enumerate(items):
                for key, value in row.items():
                    fields[f"{prefix}-{i}-{key}"] = [value]
        saved = self.post(path, fields, "activity form: save new", redirect=f"/projects/{ACTIVITIES}/activities/")
        if saved:
            self.logged.append(saved)

    @task(2)
    def edit_activity(self) -> None:
        """Edit one of the activities this user logged, or a draft of the list; the form as the page gives it."""
        if self.logged and random.random() < 0.7:
            detail = random.choice(self.logged)
        else:
            page = self.get(f"/projects/{ACTIVITIES}/activities/?validation_state=draft", "activity list (drafts)")
            found = re.findall(rf'href="(/projects/{ACTIVITIES}/activities/\d+/)"', page)
            if not found:
                return
            detail = random.choice(found)
        page = self.get(detail + "edit/", "activity form (edit)")
        fields = post_form(page, "title")
        self.think()
        fields["summary"] = [f"Edited by the load test at {time.strftime('%H:%M:%S')}."]
        conflict = "Someone else changed this activity"  # two people saving one draft: refused, as it should be
        self.post(detail + "edit/", fields, "activity form: save edit", redirect=detail, ok=lambda t: conflict in t)

    @task(2)
    def register_participant(self) -> None:
        event = random.choice(DATA["events"])
        base = f"/projects/{event['code']}/events/"
        self.get(base, "events list")
        page = self.get(f"{base}{event['pk']}/registrations/new/", "registration form")
        fields = post_form(page, "name")
        self.think()
        delegate = event["delegates"] and event["pk"] not in self.full
        fields["name"] = [f"Load Participant {self.account['username']} {next(_serial)}"]
        fields["country"] = [random.choice(options(page, "country"))]
        fields["role"] = ["delegate" if delegate else "speaker"]
        to = f"{base}{event['pk']}/registrations/"

        def full(text: str) -> bool:  # its last places taken meanwhile: refused next to the role, as it should be
            if "The event is full" in text:
                self.full.add(event["pk"])
                return True
            return False

        self.post(to + "new/", fields, "registration form: register", redirect=to, ok=full)
        self.get(to, "registration list")
