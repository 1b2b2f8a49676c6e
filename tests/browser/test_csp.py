"""The main pages under the Content Security Policy, in Chromium: the browser reports no violation, and what the
moved scripts do still works (charts, htmx, Bootstrap's toggles, confirmations, printing, the bars' widths).

(Playwright's `wait_for_function` with a bare expression evaluates it with `eval` in the page, which the policy
refuses: give it a function, "() => ...", as every test here does.)

Each page is watched two ways: a `securitypolicyviolation` listener added before any of the page's own scripts
(Playwright's init scripts are injected by the DevTools protocol, which the policy does not govern), and Chromium's
console, where every refusal is written. A page error (an exception in a script) fails the test too.
"""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.shortcuts import resolve_url
from django_celery_beat.models import CrontabSchedule

from conferences.models import Event, Registration
from operations.models import JointActivity
from projects.models import Project
from reporting.models import ReportingPeriod
from tests.browser.conftest import screenshot
from tests.conferences.conftest import TODAY, make_event, make_person, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.disposition} ${e.effectiveDirective} blocked ${e.blockedURI || "?"}` +
    ` at ${e.sourceFile}:${e.lineNumber} ${e.sample}`
  );
}, true);
"""


class Watch:
    """What the browser refused, or failed to run, on the pages a test opens."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url
        self.console: list[str] = []
        self.errors: list[str] = []
        page.add_init_script(WATCH)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.console.append(message.text)

    def problems(self) -> list[str]:
        seen = self.page.evaluate("window.__cspViolations || []")
        found = seen + self.console + [f"page error: {e}" for e in self.errors]
        self.console.clear()
        self.errors.clear()
        return found

    def visit(self, path: str, expect_status: int = 200) -> list[str]:
        """Opens `path`, waits until it is quiet, and returns what went wrong on it."""
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == expect_status, (path, response and response.status)
        self.settle()
        return self.problems()

    def settle(self) -> None:
        """Lets the page finish loading and the browser dispatch the violation events it has queued."""
        self.page.wait_for_load_state("load")
        self.page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)))")

    def visit_all(self, paths: list[str]) -> dict[str, list[str]]:
        found = {}
        for path in paths:
            problems = self.visit(path)
            if problems:
                found[path] = problems
        return found


@pytest.fixture
def demo(db, selec):
    call_command("seed_demo", activities=20, force=True, stdout=StringIO())


@pytest.fixture
def watch(page, live_server) -> Watch:
    return Watch(page, live_server.url)


def project_paths(code: str) -> list[str]:
    base = f"/projects/{code}"
    return [
        f"{base}/",
        f"{base}/dashboard/",
        f"{base}/dashboard/due/?which=overdue",
        f"{base}/timeline/",
        f"{base}/reports/",
        f"{base}/events/",
    ]


def test_the_watch_sees_a_violation_when_a_page_breaks_the_policy(watch, live_server, selec, caplog):
    """The listener is no blind spot: inline code added to a page is refused and reported, to the test and to the
    portal's report address."""
    caplog.set_level(logging.WARNING, logger="selec_portal.csp")
    assert watch.visit(resolve_url(settings.LOGIN_URL)) == []
    watch.page.evaluate(
        """() => {
          const s = document.createElement("script"); s.textContent = "window.ran = true"; document.body.append(s);
          document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>');
        }"""
    )
    watch.settle()
    problems = watch.problems()
    assert any("script-src" in p for p in problems), problems
    assert any("style-src" in p for p in problems), problems
    assert watch.page.evaluate("window.ran === undefined")
    # Chromium posts its reports to /csp-report on its own time: the live server logs them
    for _ in range(50):
        logged = [r.getMessage() for r in caplog.records if r.name == "selec_portal.csp"]
        if any("script-src" in m for m in logged) and any("style-src" in m for m in logged):
            break
        watch.page.wait_for_timeout(100)
    assert any("script-src-elem blocked inline" in m for m in logged), logged
    assert any("style-src-attr blocked inline" in m for m in logged), logged


def test_the_login_page_and_the_feedback_survey_run_without_violation(watch, demo):
    assert watch.visit(resolve_url(settings.LOGIN_URL)) == []
    registration = Registration.objects.filter(event__status=Event.Status.HELD).first()
    response = watch.page.goto(f"{watch.base_url}/feedback/{registration.feedback_token}/")
    assert response.status < 500
    watch.settle()
    assert watch.problems() == []


def test_a_manager_sees_the_main_pages_without_violation(watch, login, demo):
    login("demo-manager", settings.DEMO_PASSWORD)
    athena = Project.objects.get(code="ATHENA2")
    activity = JointActivity.objects.filter(project=athena).first()
    event = Event.objects.filter(project=athena).order_by("-start_date").first()
    period = ReportingPeriod.objects.filter(project=athena).first()
    paths = [
        "/",
        "/account/",
        resolve_url("password_change"),
        "/notifications/",
        "/notifications/settings/",
        "/best-practices/",
    ]
    for code in ("ATHENA2", "IMOBEX", "DTP-TOC"):
        paths += project_paths(code)
    base = "/projects/ATHENA2"
    paths += [
        f"{base}/workstreams/1/",
        f"{base}/reports/{period.pk}/",
        f"{base}/activities/",
        f"{base}/activities/new/",
        f"{base}/activities/{activity.pk}/",
        f"{base}/activities/{activity.pk}/edit/",
        f"{base}/activities/numbers/",
        f"{base}/activities/spocs/",
        f"{base}/events/new/",
        f"{base}/events/compare/",
        f"{base}/events/best-practices/",
        f"{base}/events/{event.pk}/",
        f"{base}/events/{event.pk}/edit/",
        f"{base}/events/{event.pk}/registrations/",
        f"{base}/events/{event.pk}/registrations/new/",
        f"{base}/events/{event.pk}/registrations/import/",
        f"{base}/events/{event.pk}/check-in/",
        f"{base}/events/{event.pk}/programme/",
        f"{base}/events/{event.pk}/statistics/",
        f"{base}/events/{event.pk}/feedback/",
        "/projects/IMOBEX/coverage/",
        "/projects/IMOBEX/findings/",
        "/projects/IMOBEX/findings/add/",
        "/projects/IMOBEX/road-map/",
    ]
    assert watch.visit_all(paths) == {}
    assert watch.visit("/projects/NO-SUCH-PROJECT/", expect_status=404) == []


def test_a_staff_member_sees_the_pages_and_forms_without_violation(watch, login, demo):
    login("demo-staff", settings.DEMO_PASSWORD)
    event = Event.objects.filter(project__code="ATHENA2").first()
    base = "/projects/ATHENA2"
    paths = [
        "/",
        *project_paths("ATHENA2"),
        f"{base}/activities/",
        f"{base}/activities/new/",
        f"{base}/workstreams/1/tasks/add/",
        f"{base}/events/{event.pk}/registrations/new/",
        "/projects/DTP-TOC/",
    ]
    assert watch.visit_all(paths) == {}
    assert watch.visit("/admin/", expect_status=403) == []


def test_the_admin_runs_without_violation(watch, login, demo):
    CrontabSchedule.objects.get_or_create(minute="0", hour="6", timezone="UTC")
    login("demo-admin", settings.DEMO_PASSWORD)
    athena = Project.objects.get(code="ATHENA2")
    event = Event.objects.filter(project=athena).first()
    paths = [
        "/admin/",
        "/admin/projects/auditevent/",
        "/admin/projects/project/",
        f"/admin/projects/project/{athena.pk}/change/",
        "/admin/auth/user/",
        "/admin/operations/jointactivity/",
        f"/admin/conferences/event/{event.pk}/change/",  # calendar and clock widgets
        "/admin/imobex/finding/add/",  # autocomplete (select2) and a two-box selector
        "/admin/imobex/barrier/add/",
        "/admin/django_celery_beat/periodictask/",
    ]
    assert watch.visit_all(paths) == {}

    # django-celery-beat's crontab help, now from a static script, still says the schedule in words
    assert watch.visit("/admin/django_celery_beat/periodictask/add/") == []
    page = watch.page
    page.select_option("#id_crontab", index=1)
    page.wait_for_function("() => document.querySelector('.field-crontab .help').textContent.includes('Translation:')")
    assert not page.locator(".field-crontab_translation").is_visible()
    # the autocomplete widget opens and searches under the policy
    assert watch.visit("/admin/imobex/finding/add/") == []
    page.locator(".field-project .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("IMO")
    page.locator(".select2-results__option", has_text="IMOBEX").first.wait_for()
    assert watch.problems() == []


def test_the_dashboard_draws_its_charts_and_bars(watch, login, demo):
    login("demo-manager", settings.DEMO_PASSWORD)
    assert watch.visit("/projects/ATHENA2/dashboard/") == []
    page = watch.page
    page.wait_for_function(
        "() => { const c = document.querySelector('canvas[data-series]'); return c && c.chart && c.width > 0; }"
    )
    assert page.locator("canvas[data-series]").count() >= 2
    # the time-elapsed bar is as wide as it says, from its class rather than a style attribute
    elapsed = int(page.locator('[data-testid="dashboard-elapsed"]').inner_text().rstrip("%"))
    ratio = page.evaluate(
        """() => { const bar = document.querySelector('.progress-bar.bg-secondary');
                   return bar.getBoundingClientRect().width / bar.parentElement.getBoundingClientRect().width; }"""
    )
    assert abs(ratio * 100 - elapsed) < 1.5, (ratio, elapsed)
    assert watch.problems() == []
    screenshot(page, "csp-dashboard")


def test_toggles_confirmations_and_printing_work_under_the_policy(watch, login, demo):
    login("demo-manager", settings.DEMO_PASSWORD)
    page = watch.page
    # Bootstrap's dropdown
    page.click('[data-testid="user-menu"]')
    page.locator(".dropdown-menu").get_by_text("Settings").wait_for(state="visible")

    # data-confirm: a refused question sends nothing, an accepted one withdraws the registration
    event = make_event(Project.objects.get(code="ATHENA2"), title="Workshop under the policy")
    register(event, make_person("Ana Popescu", "RO", "IGPR"))
    assert watch.visit(f"/projects/ATHENA2/events/{event.pk}/registrations/") == []
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Withdraw").click()
    page.wait_for_timeout(300)
    assert questions == ["Withdraw this registration?"]
    assert Registration.objects.filter(event=event).count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Withdraw").click()
    assert Registration.objects.filter(event=event).count() == 0

    # data-print on the printable programme
    page.add_init_script("window.print = () => { window.__printed = true; };")
    assert watch.visit(f"/projects/ATHENA2/events/{event.pk}/programme/") == []
    page.click("[data-print]")
    assert page.evaluate("window.__printed === true")
    assert watch.problems() == []


def test_the_check_in_desk_searches_and_checks_in_with_htmx(watch, login, demo):
    event = make_event(Project.objects.get(code="ATHENA2"), title="Check-in under the policy", start_date=TODAY)
    register(event, make_person("Ivan Petrov", "BG", "MoI BG"))
    register(event, make_person("Ana Popescu", "RO", "IGPR"))
    login("demo-staff", settings.DEMO_PASSWORD)
    page = watch.page
    assert watch.visit(f"/projects/ATHENA2/events/{event.pk}/check-in/?day={TODAY.isoformat()}") == []
    page.fill("#checkin-search", "popes")
    page.wait_for_function("() => document.querySelectorAll('#checkin-list [data-person]').length === 1")
    row = page.locator('#checkin-list [data-person="Ana Popescu"]')
    with page.expect_request(lambda r: r.method == "POST" and "/check-in/" in r.url) as posted:
        row.locator('[data-testid="check-in"]').click()
    assert posted.value.headers.get("x-csrftoken")  # sent by static/js/portal.js, from the meta tag
    row.locator('[data-testid="checked-in"]').wait_for()
    assert "1 of 2 checked in" in page.locator('[data-testid="checkin-counts"]').inner_text()
    assert watch.problems() == []
