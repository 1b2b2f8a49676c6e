"""Browser tests: Playwright drives Debian's Chromium (`playwright install` cannot download here).

The fixtures `browser`, `page` and `login` live in tests/conftest.py, so that browser tests of every app share one
Chromium (two sync Playwright sessions cannot run in one process).
"""

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
