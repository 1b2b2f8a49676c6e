"""Every page of the portal any role reaches is accessible (axe-core, WCAG 2.0/2.1 A and AA) and fits a phone.

One breadth-first walk per demo role over one seeded database, in Chromium: the portal's own links (GET only; not
the Django admin, logging out, static files or downloads), one page per URL name (but every project's home and
dashboard), so that every page template a role reaches is checked without the walk costing minutes per role. On each
page axe-core (shipped by axe-playwright-python, nothing fetched at run time) runs with the WCAG 2.0/2.1 A and AA
rules and a few structural best practices (landmarks, one h1, the skip link), then the window is narrowed to a
phone's 390 px and the page must not scroll sideways (wide tables scroll inside their own box). Pages only reached
through a form are visited on purpose: the login, the second factor, the feedback survey, forms sent back with errors
(each field in error marked, linked to its error text and the first one focused), the picker with its list open
(driven by the keyboard alone); and the first Tab must show the skip link.

All findings are gathered before asserting, so one run lists everything to fix. Debian's Chromium on two cores: about
two and a half minutes for some 200 pages."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from io import StringIO
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.base import AXE_FILE_PATH
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import Resolver404, resolve

from conferences.models import Event, Registration
from operations.models import JointActivity
from projects.models import BackgroundJob, Project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ("demo-admin", "demo-manager", "demo-staff", "demo-viewer")
# The WCAG rules, and axe's best practices for the page's structure: one main landmark and all content inside
# landmarks, one h1, a working skip link.
STRUCTURE = (
    "landmark-one-main",
    "landmark-no-duplicate-main",
    "landmark-unique",
    "page-has-heading-one",
    "region",
    "skip-link",
)
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "rules": {rule: {"enabled": True} for rule in STRUCTURE},
    "resultTypes": ["violations"],
}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# The API answers programs (JSON); its documentation page is Swagger UI's, a tool for developers that the portal
# serves as it is (tests/api/test_browser.py checks it runs within the Content Security Policy).
SKIP_PREFIXES = (
    "/admin/",
    "/logout/",
    "/accounts/logout/",
    "/static/",
    "/media/",
    "/csp-report",
    "/healthz",
    "/livez",
    "/api/",
)
DOWNLOADS = ("export", "download", ".pdf", ".csv", ".xlsx", ".ics", "/generate/")
# One page per URL name and role, but every project's home and dashboard (each project shows its own sections and
# links to its own pages, as IMOBEX's coverage board).
EVERY_PROJECT = {"projects:project-detail", "reporting:dashboard"}
MAX_PAGES_PER_ROLE = 120
MIN_PAGES_PER_ROLE = {"demo-admin": 40, "demo-manager": 40, "demo-staff": 30, "demo-viewer": 20}
# Pages every walk together must have reached (the portal's main pages).
KEY_PAGES = {
    "projects:portfolio",
    "projects:project-detail",
    "reporting:dashboard",
    "reporting:report-list",
    "reporting:report-detail",
    "operations:activity-list",
    "operations:activity-detail",
    "operations:activity-create",
    "operations:activity-edit",
    "conferences:event-list",
    "conferences:event-detail",
    "conferences:event-programme",
}

# The elements that stick out of the window (their parent does not), widest first, unless a box scrolls them.
OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    [...el.classList].slice(0, 4).map((c) => "." + c).join("");
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden" || o === "clip") return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 1 || box.width === 0) continue;
    const parent = el.parentElement.getBoundingClientRect();
    if (parent.right > width + 1 || clipped(el)) continue;
    const path = [];
    for (let p = el; p && p !== document.body && path.length < 4; p = p.parentElement) path.unshift(describe(p));
    out.push({element: path.join(" > "), right: Math.round(box.right), width: Math.round(box.width)});
  }
  out.sort((a, b) => b.right - a.right);
  return {scrollWidth: document.documentElement.scrollWidth, widest: out.slice(0, 3)};
}"""
# A form sent back with errors, for a keyboard and a screen reader: every field in error says so (aria-invalid) and
# points at its error text (aria-describedby, on the field or its fieldset); the focus is on the form's own error
# (a wrong password) or else on the first field in error.
FORM_ERRORS = """() => {
  const summary = document.querySelector("main form .alert-danger");
  const fields = [...document.querySelectorAll("main input, main select, main textarea")].filter((el) =>
    el.type !== "hidden" && el.checkVisibility() &&
    (el.classList.contains("is-invalid") || el.getAttribute("aria-invalid") === "true"));
  if (!fields.length && !summary) return ["no error is shown"];
  const problems = [];
  for (const el of fields) {
    const name = el.name || el.id;
    if (el.getAttribute("aria-invalid") !== "true") problems.push(`${name} lacks aria-invalid="true"`);
    const owner = el.hasAttribute("aria-describedby") ? el : el.closest("fieldset[aria-describedby]") || el;
    const described = (owner.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)).filter((node) => node && node.textContent.trim());
    if (!described.some((node) => node.classList.contains("invalid-feedback"))) {
      problems.push(`${name} is not described by its error text`);
    }
  }
  if (document.activeElement !== (summary || fields[0])) {
    problems.push(`the focus is on ${document.activeElement.tagName}, not on the error`);
  }
  return problems;
}"""
SETTLE = "() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 30)))"
# The parts a page loads after it opens (htmx, `hx-trigger="load"`: a report's sections) are checked once they are in.
LOADED = "() => !document.querySelector('[hx-trigger=\"load\"]')"


class Checker:
    """Runs the checks on the page a browser tab shows and gathers what fails."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.violations: list[dict] = []
        self.overflows: list[dict] = []
        self.keyboard_problems: list[str] = []
        self.checked: list[tuple[str, str]] = []  # (who, path)

    def _add(self, rule: str, impact: str, target: str, summary: str, path: str, who: str) -> None:
        self.violations.append(
            {"rule": rule, "impact": impact, "target": target, "summary": summary, "path": path, "who": who}
        )

    def check(self, page, who: str, label: str | None = None) -> None:
        path = label or page.url.removeprefix(self.base_url)
        page.wait_for_function(LOADED, timeout=20_000)
        page.evaluate(SETTLE)
        results = page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)
        for violation in results["violations"]:
            for node in violation["nodes"]:
                summary = (node.get("failureSummary") or "").replace("\n", " ")
                summary = summary.removeprefix("Fix any of the following:").removeprefix("Fix all of the following:")
                target = " ".join(str(t) for t in node["target"])
                self._add(
                    violation["id"], node.get("impact") or violation["impact"], target, summary.strip()[:160], path, who
                )
        headings = page.locator("h1").count()
        if headings != 1:  # axe asks for at least one; a page has exactly one title
            self._add("one-h1", "moderate", "h1", f"{headings} h1 elements", path, who)
        page.set_viewport_size(PHONE)
        try:
            page.evaluate(SETTLE)
            overflow = page.evaluate(OVERFLOW)
            if overflow:  # charts and the like resize on the next frames: look again before blaming the page
                page.wait_for_timeout(300)
                overflow = page.evaluate(OVERFLOW)
            if overflow:
                self.overflows.append({"path": path, "who": who, **overflow})
        finally:
            page.set_viewport_size(DESKTOP)
        self.checked.append((who, path))


def _page_key(path: str) -> tuple[str, str | None] | None:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name, match.kwargs.get("code") if match.view_name in EVERY_PROJECT else None


def _skipped(path: str) -> bool:
    return path.startswith(SKIP_PREFIXES) or any(marker in path for marker in DOWNLOADS)


def crawl(page, checker: Checker, who: str) -> set[str]:
    """Walks the links breadth-first from the portfolio; returns the URL names of the pages checked."""
    base = checker.base_url
    seen, queue, taken = {"/"}, deque(["/"]), set()
    while queue and len(taken) < MAX_PAGES_PER_ROLE:
        path = queue.popleft()
        key = _page_key(path)
        if key is None or key in taken:
            continue
        response = page.goto(base + path)
        assert response is not None and response.status < 500, f"{who}: {path} answered {response and response.status}"
        if response.status != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        if page.url != base + path:  # redirected (a form's "next", a finished event's check-in, ...)
            key = _page_key(page.url.removeprefix(base))
            if key is None or key in taken:
                continue
        taken.add(key)
        checker.check(page, who)
        for link in page.eval_on_selector_all("a[href]", "links => links.map((a) => a.href)"):
            if not link.startswith(base + "/"):
                continue  # another host: third-party documentation and the like
            link = link.removeprefix(base).split("#")[0]
            if link and link not in seen and not _skipped(link):
                seen.add(link)
                queue.append(link)
    return {name for name, _code in taken}


def _new_context(browser):
    """A browser context whose pages all carry axe-core, sent to Chromium once rather than at every check."""
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(path=str(AXE_FILE_PATH))
    return context


def _logged_in_context(browser, base_url: str, username: str):
    """A browser tab with the user's session, made by the test client: the login form itself is checked once, by
    `check_logged_out_pages`, and the authenticator app's codes would make the four logins wait for each other."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    context = _new_context(browser)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _submit_without_browser_checks(page, form: str = "main form[method=post]") -> None:
    """Sends the form as it stands, past the browser's own checks of required fields, to get the portal's errors."""
    with page.expect_navigation():
        page.eval_on_selector(form, "(f) => { f.noValidate = true; f.requestSubmit(); }")


def check_logged_out_pages(browser, checker: Checker, base_url: str) -> None:
    context = _new_context(browser)
    page = context.new_page()
    try:
        page.goto(base_url + resolve_url(settings.LOGIN_URL))
        checker.check(page, "anonymous", "login")
        page.fill("input[name=login]", "demo-staff")
        page.fill("input[name=password]", "not-the-password")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        checker.check(page, "anonymous", "login, wrong password")
        check_errors_are_announced(page, checker, "anonymous", "login, wrong password")
        page.fill("input[name=login]", "demo-manager")
        page.fill("input[name=password]", settings.DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert "/2fa/authenticate/" in page.url, page.url
        checker.check(page, "anonymous", "second factor")
        page.fill("input[name=code]", "000000")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        checker.check(page, "anonymous", "second factor, wrong code")
        check_errors_are_announced(page, checker, "anonymous", "second factor, wrong code")
        # the feedback survey a participant opens from an e-mail, without an account
        registration = Registration.objects.filter(event__status=Event.Status.HELD).first()
        page.context.clear_cookies()
        page.goto(f"{base_url}/feedback/{registration.feedback_token}/")
        checker.check(page, "anonymous", "feedback survey")
    finally:
        context.close()


PARTICIPANTS = (
    "name,organisation,organisation type,country,email,gender,role\n"
    "Ana Popescu,IGPR,,RO,ana@example.org,F,delegate\n"
    "Luka Horvat,Croatian Border Police,law_enforcement,HR,,,trainee\n"
    "Maria Pop,IGPR,,XX,,,delegate\n"
    "Eva Bad,IGPR,,RO,not-an-email,,delegate\n"
)


def check_import_preview(page, checker: Checker, who: str) -> None:
    """The preview of a list of participants, reached by uploading one: the rows to import and those rejected."""
    event = Event.objects.filter(project__code="ATHENA2").order_by("-start_date").first()
    page.goto(f"{checker.base_url}/projects/ATHENA2/events/{event.pk}/registrations/import/")
    page.set_input_files(
        "main input[type=file]", {"name": "participants.csv", "mimeType": "text/csv", "buffer": PARTICIPANTS.encode()}
    )
    _submit_without_browser_checks(page)
    assert page.locator('[data-testid="import-rejected"]').count(), "the preview shows no rejected rows"
    checker.check(page, who, f"/projects/ATHENA2/events/{event.pk}/registrations/import/ (preview)")


def check_errors_are_announced(page, checker: Checker, who: str, label: str) -> None:
    checker.keyboard_problems += [f"{label} [{who}]: {problem}" for problem in page.evaluate(FORM_ERRORS)]


def check_forms_with_errors(page, checker: Checker, who: str, paths: list[str]) -> None:
    for path in paths:
        page.goto(checker.base_url + path)
        _submit_without_browser_checks(page)
        label = f"{path} (sent empty)"
        check_errors_are_announced(page, checker, who, label)
        checker.check(page, who, label)


# Where the keyboard's focus is, and whether one can see it there.
FOCUSED = """() => {
  const el = document.activeElement, box = el.getBoundingClientRect(), style = getComputedStyle(el);
  return {
    skip: el.classList.contains("skip-link"), inMain: Boolean(el.closest("main")), name: el.textContent.trim(),
    seen: box.width > 1 && box.height > 1, ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 1,
  };
}"""


def check_keyboard_start(page, checker: Checker, who: str) -> None:
    """The first Tab shows the skip link; following it, the next Tab lands in the content; the navigation's links
    show where the focus is, with an outline (Bootstrap's blue ring would not show on the blue bar)."""
    problems = []
    page.goto(checker.base_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    if not (focused["skip"] and focused["seen"]):
        problems.append(f"the first Tab reaches {focused['name']!r}, not a visible skip link")
    else:
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        if not page.evaluate(FOCUSED)["inMain"]:
            problems.append("after the skip link, Tab does not land in the main content")
    page.goto(checker.base_url + "/")
    for _ in range(3):  # the skip link, the portal's name, the first link of the navigation bar
        page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    if not focused["ring"]:
        problems.append(f"the focused navigation link {focused['name']!r} shows no focus ring")
    checker.keyboard_problems += [f"/ [{who}]: {problem}" for problem in problems]


def check_picker_by_keyboard(page, checker: Checker, who: str, path: str) -> None:
    """The search-as-you-type picker (static/js/picker.js) with the keyboard alone: type, arrow down, Enter; checked
    by axe while its list is open."""
    page.goto(checker.base_url + path)
    picker = page.locator('select[name="participating_agencies"] + .picker')
    box = picker.locator('input[role="combobox"]')
    box.focus()
    page.keyboard.type("police")
    picker.locator('[role="option"]').first.wait_for()
    page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and box.get_attribute("aria-expanded") == "true", "the picker's list does not follow the arrows"
    option = page.locator(f"#{active}")
    assert option.get_attribute("aria-selected") == "true"
    name = option.inner_text()
    checker.check(page, who, f"{path} (picker open)")
    page.keyboard.press("Enter")
    assert name in picker.locator(".picker-chips").inner_text(), "Enter did not pick the highlighted agency"
    assert box.evaluate("(el) => el === document.activeElement") and box.get_attribute("aria-expanded") == "false"


def _report(checker: Checker) -> str:
    """The findings grouped by rule, then by element and failure (the same navigation link fails on every page)."""
    lines = []
    if checker.violations:
        by_rule: dict[str, dict[tuple[str, str], list[dict]]] = defaultdict(lambda: defaultdict(list))
        for v in checker.violations:
            by_rule[v["rule"]][v["target"], v["summary"]].append(v)
        pages = {v["path"] for v in checker.violations}
        lines.append(f"{len(checker.violations)} axe violations on {len(pages)} pages:")
        for rule, groups in sorted(by_rule.items(), key=lambda item: -sum(map(len, item[1].values()))):
            found = [v for group in groups.values() for v in group]
            lines.append(f"  {rule} ({found[0]['impact']}): {len(found)} on {len({v['path'] for v in found})} pages")
            for (target, summary), group in sorted(groups.items(), key=lambda item: -len(item[1])):
                where = sorted({f"{v['path']} [{v['who']}]" for v in group})
                lines.append(f"    {target} on {len(where)} pages, e.g. {', '.join(where[:3])}: {summary}")
    if checker.keyboard_problems:
        lines.append(f"{len(checker.keyboard_problems)} problems with the keyboard or forms sent back with errors:")
        lines += [f"  {problem}" for problem in checker.keyboard_problems]
    if checker.overflows:
        lines.append(f"{len(checker.overflows)} pages scroll sideways at {PHONE['width']} px:")
        for o in checker.overflows:
            widest = "; ".join(f"{w['element']} (right edge {w['right']} px)" for w in o["widest"])
            lines.append(f"  {o['path']} [{o['who']}] page {o['scrollWidth']} px wide: {widest}")
    return "\n".join(lines)


@pytest.fixture
def demo(db, selec):
    call_command("seed_demo", activities=30, force=True, stdout=StringIO())


def test_every_page_any_role_reaches_is_accessible_and_fits_a_phone(browser, live_server, demo):
    base_url = live_server.url
    checker = Checker(base_url)
    started = time.perf_counter()
    check_logged_out_pages(browser, checker, base_url)

    reached: dict[str, set[str]] = {}
    for username in ROLES:
        context, page = _logged_in_context(browser, base_url, username)
        try:
            reached[username] = crawl(page, checker, username)
            if username == "demo-staff":
                activity = JointActivity.objects.filter(project__code="ATHENA2").first()
                check_forms_with_errors(
                    page,
                    checker,
                    username,
                    [
                        "/projects/ATHENA2/activities/new/",
                        f"/projects/ATHENA2/activities/{activity.pk}/evaluations/new/",
                    ],
                )
                check_picker_by_keyboard(page, checker, username, "/projects/ATHENA2/activities/new/")
                check_keyboard_start(page, checker, username)
                check_import_preview(page, checker, username)
            if username == "demo-manager":
                check_forms_with_errors(page, checker, username, ["/projects/ATHENA2/events/new/"])
                # a background job's page, reached by starting one (a finished one: a running one polls itself)
                job = BackgroundJob.objects.create(
                    kind="report",
                    title="Progress report",
                    project=Project.objects.get(code="ATHENA2"),
                    status=BackgroundJob.Status.FAILED,
                    progress=60,
                    message="The report could not be made.",
                )
                page.goto(base_url + job.get_absolute_url())
                checker.check(page, username)
        finally:
            context.close()
    elapsed = time.perf_counter() - started

    pages_by_role = {who: sum(1 for w, _ in checker.checked if w == who) for who in ROLES}
    print(f"\naccessibility walk: {len(checker.checked)} pages in {elapsed:.0f} s; {pages_by_role}")
    for username, minimum in MIN_PAGES_PER_ROLE.items():
        assert pages_by_role[username] >= minimum, (username, pages_by_role[username], sorted(reached[username]))
    import os

    if os.environ.get("A11Y_DUMP"):
        import json

        with open(os.environ["A11Y_DUMP"], "w") as f:
            json.dump(
                {
                    "reached": {k: sorted(v) for k, v in reached.items()},
                    "violations": checker.violations,
                    "overflows": checker.overflows,
                    "checked": checker.checked,
                },
                f,
                indent=1,
            )
    missing = KEY_PAGES - set().union(*reached.values())
    assert not missing, f"the walks never reached {sorted(missing)}"
    assert not (checker.violations or checker.overflows or checker.keyboard_problems), "\n" + _report(checker)
