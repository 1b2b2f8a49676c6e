"""Take the README's screenshots from a running portal (make run): `.venv/bin/python scripts/screenshots.py`.

Logs in as a demo account in Debian's Chromium and saves full-page PNGs under docs/screenshots/.
"""

import argparse
import os
import subprocess
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


def demo_code(username: str) -> str:
    root = Path(__file__).resolve().parent.parent
    command = [str(root / ".venv" / "bin" / "python"), "manage.py", "demo_totp", username]
    env = {**os.environ, "DJANGO_DEBUG": "true"}
    return subprocess.run(command, cwd=root, env=env, check=True, capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="demo-manager")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "selec-demo-2026"))
    parser.add_argument("pages", nargs="*", default=["portfolio=/", "project=/projects/ATHENA2/"])
    options = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.goto(f"{options.base}/login/")
        page.fill("input[name=login]", options.user)
        page.fill("input[name=password]", options.password)
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        if "/2fa/authenticate/" in page.url:  # demo-manager and demo-admin use the demo authenticator app
            page.fill("input[name=code]", demo_code(options.user))
            page.click("main form button[type=submit]")
            page.wait_for_load_state("networkidle")
        for spec in options.pages:
            name, path = spec.split("=", 1)
            page.goto(options.base + path)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)  # let charts finish their animation
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
            print(OUT / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
