"""Browser tests: Playwright drives Debian's Chromium (`playwright install` cannot download here).

The fixtures `browser`, `page` and `login` live in tests/conftest.py, so that browser tests of every app share one
Chromium (two sync Playwright sessions cannot run in one process).
"""

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def pick(page, name: str, typed: str, choice: str) -> None:
    """Choose `choice` in the search-as-you-type picker of the field `name` (static/js/picker.js): type, wait for the
    suggestions, click the one whose text contains `choice`."""
    box = page.locator(f'select[name="{name}"] + .picker input[role="combobox"]')
    box.fill(typed)
    option = page.locator(f'select[name="{name}"] + .picker [role="option"]', has_text=choice)
    option.first.click()
