"""The Content Security Policy: every page is sent with a strict policy, and nothing the portal writes breaks it.

The policy (settings.CONTENT_SECURITY_POLICY) allows scripts and styles from the portal's own files only, so an
inline <script>, a <style> block, a style="..." attribute, an on...= handler, a javascript: URL or an htmx hx-on
attribute would be refused by the browser and the page would lose its look or behaviour. Three guards:
- every template file is scanned for them (the PDF templates, rendered by WeasyPrint and never sent to a browser,
  excepted);
- every page reachable by links, as a manager and as an admin (the admin included), is fetched and its HTML, which
  includes what Python writes (widgets, crispy forms, format_html), scanned the same way, its header checked;
- tests/browser/test_csp.py opens the main pages in Chromium and listens for the browser's own violation reports.
"""

import json
import logging
import re
from collections import deque
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.shortcuts import resolve_url
from django.template import engines
from django.test import Client

from projects.templatetags.bars import bar_width
from selec_portal.views import CSP_REPORT_MAX_BYTES

ROOT = Path(settings.BASE_DIR)
# Rendered by WeasyPrint into PDF files (conferences/pdf.py), never served as a page: their
# <style> blocks and bar widths cannot reach a browser.
PDF_ONLY_TEMPLATES = {
    "conferences/templates/conferences/pdf/badges.html",
    "conferences/templates/conferences/pdf/certificates.html",
}

TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
HANDLER = re.compile(r"""(?:^|\s)(on[a-z]+|(?:data-)?hx-on[\w:.-]*)\s*=""", re.I)
STYLE_ATTRIBUTE = re.compile(r"""(?:^|\s)style\s*=""", re.I)
SOURCE = re.compile(r"""(?:^|\s)src\s*=""", re.I)
DATA_BLOCK = re.compile(r"""(?:^|\s)type\s*=\s*["']?application/(?:ld\+)?json""", re.I)


def inline_code(html: str) -> list[str]:
    """What in this HTML (or template text) the policy refuses: one description per offence."""
    problems = []
    for match in TAG.finditer(html):
        name, attributes = match.group(1).lower(), match.group(2)
        snippet = match.group(0)[:120]
        if name == "script" and not SOURCE.search(attributes) and not DATA_BLOCK.search(attributes):
            problems.append(f"inline <script>: {snippet}")
        if name == "style":
            problems.append(f"<style> block: {snippet}")
        if STYLE_ATTRIBUTE.search(attributes):
            problems.append(f"style attribute: {snippet}")
        for handler in HANDLER.findall(attributes):
            problems.append(f"inline handler {handler}: {snippet}")
    for url in re.finditer(r"javascript:", html, re.I):
        problems.append(f"javascript: URL near {html[max(url.start() - 40, 0) : url.end() + 20]!r}")
    return problems


COMMENTS = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}|<!--.*?-->", re.S)


def template_files() -> list[Path]:
    folders = [Path(folder) for folder in engines["django"].engine.dirs]
    folders += [path for path in ROOT.glob("*/templates") if path.is_dir()]
    return sorted(file for folder in folders for file in folder.rglob("*.html"))


# --- the scanner itself ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="text/javascript">go()</script>',
        "<style>body { color: red }</style>",
        '<div class="x" style="width: 3%">',
        '<button type="submit" onclick="return confirm(\'Sure?\')">',
        "<form ONSUBMIT='x()'>",
        '<input hx-get="/x" hx-on:click="alert(1)">',
        '<input hx-on::after-request="go()">',
        '<a href="javascript:void(0)">',
        '<img src="x.png" onerror="x()">',
    ],
)
def test_the_scanner_finds_each_kind_of_inline_code(snippet):
    assert inline_code(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="/static/js/portal.js"></script>',
        '<script id="burnup-data" type="application/json">{"a": 1}</script>',
        '<button type="submit" data-confirm="Remove this session?">',
        '<div class="progress-bar bar-42">',
        '<input name="once" hx-get="/x" hx-trigger="input changed delay:150ms, search">',
        "<p>Say what it is on the form: a style of work.</p>",
    ],
)
def test_the_scanner_lets_what_the_policy_allows_pass(snippet):
    assert inline_code(snippet) == [], snippet


# --- the templates ---------------------------------------------------------------------------------------------------


def test_no_template_holds_inline_scripts_styles_or_handlers():
    files = template_files()
    assert len(files) > 60, files  # the scan really reads the portal's templates
    assert {"templates/base.html", "reporting/templates/reporting/dashboard.html"} <= {
        str(f.relative_to(ROOT)) for f in files
    }
    offences = {}
    for file in files:
        name = str(file.relative_to(ROOT))
        if name in PDF_ONLY_TEMPLATES:
            continue
        found = inline_code(COMMENTS.sub("", file.read_text(encoding="utf-8")))
        if found:
            offences[name] = found
    assert offences == {}, "Move these to static/js or static/css (see tests/test_csp.py):\n" + json.dumps(
        offences, indent=2
    )


def test_the_pdf_only_templates_exist_and_are_not_served_by_a_view():
    for name in PDF_ONLY_TEMPLATES:
        assert (ROOT / name).exists(), f"{name} is gone: remove it from PDF_ONLY_TEMPLATES"
    template_names = {name.split("/templates/", 1)[1] for name in PDF_ONLY_TEMPLATES}
    for view_file in ROOT.glob("*/views*.py"):
        assert not template_names & set(re.findall(r"[\"']([\w/]+\.html)[\"']", view_file.read_text())), view_file
    for view_file in ROOT.glob("*/views/*.py"):
        assert not template_names & set(re.findall(r"[\"']([\w/]+\.html)[\"']", view_file.read_text())), view_file


# --- the header ------------------------------------------------------------------------------------------------------


def parse_policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_strict(header: str | None) -> None:
    assert header, "no Content-Security-Policy header"
    policy = parse_policy(header)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["report-uri"] == ["/csp-report"]
    for sources in policy.values():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, header


def test_pages_are_sent_with_a_strict_policy_and_no_unsafe_inline(client, client_for, manager, athena):
    anonymous = client.get(resolve_url(settings.LOGIN_URL))
    assert anonymous.status_code == 200
    assert_strict(anonymous.get("Content-Security-Policy"))

    client = client_for(manager)
    for url in ["/", f"/projects/{athena.code}/", f"/projects/{athena.code}/dashboard/", "/no-such-page/"]:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_strict(response.get("Content-Security-Policy"))
    assert client.get("/no-such-page/").status_code == 404


def test_the_admin_and_its_error_pages_are_sent_with_the_policy(client_for, admin_user, staff):
    response = client_for(admin_user).get("/admin/")
    assert response.status_code == 200
    assert_strict(response.get("Content-Security-Policy"))
    refused = client_for(staff).get("/admin/")
    assert refused.status_code == 403
    assert_strict(refused.get("Content-Security-Policy"))


# --- every page, as rendered -----------------------------------------------------------------------------------------

LINK = re.compile(r'href="(/[^"#]*)"')
NEVER_FOLLOW = ("/logout/", "/static/", "/media/", "/csp-report")


@pytest.fixture
def demo(db, selec):
    call_command("seed_demo", activities=20, force=True, stdout=StringIO())


def crawl_and_scan(client: Client, starts: list[str], limit: int) -> tuple[list[str], dict[str, list[str]]]:
    seen, queue, visited, offences = set(starts), deque(starts), [], {}
    while queue and len(visited) < limit:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        visited.append(url)
        assert_strict(response.get("Content-Security-Policy"))
        html = response.content.decode()
        found = inline_code(html)
        if found:
            offences[url] = found
        for link in LINK.findall(html):
            link = link.replace("&amp;", "&")
            if link.startswith("/admin/"):
                link = link.split("?", 1)[0]  # the admin's sort and filter links would never end
                if "/delete/" in link or "/history/" in link:
                    continue
            if link.startswith(NEVER_FOLLOW) or link in seen or "export" in link or "/download" in link:
                continue
            if link.endswith((".pdf", ".csv", ".xlsx", ".ico")):
                continue
            seen.add(link)
            queue.append(link)
    return visited, offences


@pytest.mark.parametrize(
    ("username", "starts", "limit"),
    [
        ("demo-manager", ["/"], 100),
        ("demo-staff", ["/"], 50),
        ("demo-admin", ["/admin/", "/admin/django_celery_beat/periodictask/add/", "/admin/projects/auditevent/"], 60),
    ],
)
def test_every_page_rendered_for_a_role_holds_no_inline_code(client, demo, username, starts, limit):
    client.force_login(get_user_model().objects.get(username=username))
    visited, offences = crawl_and_scan(client, starts, limit)
    assert len(visited) >= 25, visited  # the walk really went somewhere
    assert offences == {}, json.dumps(offences, indent=2)


def test_the_periodic_task_form_hands_its_script_data_as_json(client_for, admin_user):
    html = client_for(admin_user).get("/admin/django_celery_beat/periodictask/add/").content.decode()
    assert inline_code(html) == []
    assert 'id="readable-crontabs" type="application/json"' in html
    assert 'id="crontab-help" type="application/json"' in html
    assert "js/admin-periodic-task.js" in html


# --- the report endpoint ---------------------------------------------------------------------------------------------

REPORT = {
    "csp-report": {
        "document-uri": "https://portal.example/projects/ATHENA2/",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
        "source-file": "https://portal.example/projects/ATHENA2/",
        "line-number": 12,
        "disposition": "enforce",
    }
}


def post_report(body: bytes, content_type="application/csp-report") -> "HttpResponse":  # noqa: F821
    return Client(enforce_csrf_checks=True).post("/csp-report", body, content_type=content_type)


@pytest.mark.django_db
def test_a_browser_report_is_logged_without_a_login_or_a_csrf_token(caplog):
    with caplog.at_level(logging.WARNING, logger="selec_portal.csp"):
        response = post_report(json.dumps(REPORT).encode())
    assert response.status_code == 204
    [record] = [r for r in caplog.records if r.name == "selec_portal.csp"]
    message = record.getMessage()
    assert "script-src-elem blocked inline on https://portal.example/projects/ATHENA2/" in message
    assert "line 12" in message


@pytest.mark.django_db
def test_a_reporting_api_report_is_logged_too(caplog):
    body = [
        {
            "type": "csp-violation",
            "body": {
                "documentURL": "https://p/x",
                "effectiveDirective": "style-src-attr",
                "blockedURL": "inline",
                "lineNumber": 3,
            },
        },
        {"type": "deprecation", "body": {"message": "not ours"}},
    ]
    with caplog.at_level(logging.WARNING, logger="selec_portal.csp"):
        response = post_report(json.dumps(body).encode(), content_type="application/reports+json")
    assert response.status_code == 204
    messages = [r.getMessage() for r in caplog.records if r.name == "selec_portal.csp"]
    assert len(messages) == 1 and "style-src-attr blocked inline on https://p/x" in messages[0]


@pytest.mark.django_db
def test_a_report_cannot_forge_log_lines(caplog):
    forged = {"csp-report": {**REPORT["csp-report"], "blocked-uri": "x\nCRITICAL fake entry" + "a" * 1000}}
    with caplog.at_level(logging.WARNING, logger="selec_portal.csp"):
        assert post_report(json.dumps(forged).encode()).status_code == 204
    [message] = [r.getMessage() for r in caplog.records if r.name == "selec_portal.csp"]
    assert "\n" not in message and len(message) < 1000


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'{"csp-report": "x"}', b"[" * 100_00])
def test_what_is_not_a_report_is_refused_with_a_400(body):
    response = post_report(body)
    assert response.status_code == 400
    assert b"Not a Content Security Policy report" in response.content


@pytest.mark.django_db
def test_a_report_over_the_size_limit_is_refused_unread(caplog):
    padded = {"csp-report": {**REPORT["csp-report"], "script-sample": "x" * CSP_REPORT_MAX_BYTES}}
    with caplog.at_level(logging.WARNING, logger="selec_portal.csp"):
        response = post_report(json.dumps(padded).encode())
    assert response.status_code == 413
    assert not [r for r in caplog.records if r.name == "selec_portal.csp"]


@pytest.mark.django_db
def test_the_report_endpoint_only_takes_posts(client):
    assert client.get("/csp-report").status_code == 405


# --- progress bars without style attributes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "css"),
    [
        (0, "bar-0"),
        (42, "bar-42"),
        (42.5, "bar-43"),
        ("7", "bar-7"),
        (100, "bar-100"),
        (250, "bar-100"),
        (-5, "bar-0"),
        (None, "bar-0"),
        ("", "bar-0"),
        ("n/a", "bar-0"),
        (float("nan"), "bar-0"),
    ],
)
def test_a_bar_gets_the_class_of_its_width(value, css):
    assert bar_width(value) == css


def test_every_bar_width_class_is_declared_in_the_stylesheet():
    css = (ROOT / "static/css/portal.css").read_text()
    for n in range(101):
        assert f".bar-{n} {{ width: {n}%; }}" in css
