"""Log in as each demo account through the real form of a running portal (make run), in Debian's Chromium:
`.venv/bin/python scripts/demo_logins.py [--base http://127.0.0.1:8000]`. demo-manager and demo-admin give the
code of the demo authenticator app (manage.py demo_totp). Exits non-zero if any login fails."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ACCOUNTS = {"demo-admin": "/admin/", "demo-manager": "/", "demo-staff": "/", "demo-viewer": "/"}


def demo_code(username: str) -> str:
    command = [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "demo_totp", username]
    env = {**os.environ, "DJANGO_DEBUG": "true"}
    return subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "selec-demo-2026"))
    options = parser.parse_args()
    failures = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for username, landing in ACCOUNTS.items():
            page = browser.new_context().new_page()
            page.goto(f"{options.base}/login/?next={landing}")
            page.fill("input[name=login]", username)
            page.fill("input[name=password]", options.password)
            page.click("main button[type=submit]")
            page.wait_for_load_state()
            asked = "/2fa/authenticate/" in page.url
            if asked:
                page.fill("input[name=code]", demo_code(username))
                page.click("main form button[type=submit]")
                page.wait_for_load_state()
            ok = page.url == options.base + landing and page.get_by_text("Log out").count() > 0
            print(f"{username:13} {'ok' if ok else 'FAILED'}  code asked: {asked}  at {page.url}")
            failures += not ok
            page.context.close()
        browser.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
