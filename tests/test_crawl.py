"""Every page a person can reach by following links answers without a server error, for every role.

A breadth-first walk over the portal's own links (GET only, never the admin or logout), from the portfolio, as
each demo role, on the demo data. It also checks the access rule from the outside: pages of a project the user is
not a member of are never linked to them.
"""

import re
from collections import deque
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/admin/", "/logout/", "/static/", "/media/")
MAX_PAGES = 250


@pytest.fixture
def demo(db, selec):
    call_command("seed_demo", activities=30, force=True, stdout=StringIO())


def _crawl(client, start="/"):
    seen, queue, visited = {start}, deque([start]), []
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        visited.append((url, response.status_code))
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not content_type.startswith("text/html"):
            continue
        for link in LINK.findall(response.content.decode()):
            link = link.replace("&amp;", "&")
            if link.startswith(SKIP) or link in seen or "export" in link or link.endswith((".pdf", ".csv", ".xlsx")):
                continue
            seen.add(link)
            queue.append(link)
    return visited


@pytest.mark.parametrize(
    ("username", "foreign"),
    [
        ("demo-admin", None),
        ("demo-manager", None),
        ("demo-staff", "/projects/IMOBEX/"),
        ("demo-viewer", "/projects/DTP-TOC/"),
    ],
)
def test_every_linked_page_answers_without_error_for_each_role(client, demo, username, foreign):
    client.force_login(get_user_model().objects.get(username=username))
    visited = _crawl(client)
    assert len(visited) >= 10, visited  # the walk really went somewhere
    assert all(status < 500 for _, status in visited)
    if foreign:
        assert not any(url.startswith(foreign) for url, _ in visited), f"{username} was shown a link into {foreign}"
