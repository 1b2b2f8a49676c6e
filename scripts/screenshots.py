"""Take the README's screenshots from a running portal (make run): `.venv/bin/python scripts/screenshots.py`.

Logs in as a demo account in Debian's Chromium and saves full-page PNGs under docs/screenshots/.
"""

import argparse
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="demo-manager")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "selec-demo"))
    parser.add_argument("pages", nargs="*", default=["portfolio=/", "project=/projects/ATHENA2/"])
    options = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.goto(f"{options.base}/login/")
        page.fill("input[name=username]", options.user)
        page.fill("input[name=password]", options.password)
        page.click("button[type=submit]")
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
