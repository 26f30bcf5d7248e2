"""A real chromium for the `browser` tests: Debian's build driven by Playwright.

Playwright cannot download its own browsers on these machines, so it launches the system
chromium (`apt-get install chromium`). Where that is missing the browser tests are skipped,
unless REQUIRE_BROWSER=1 (CI), which makes a missing chromium a failure.
"""

import contextlib
import os
from pathlib import Path

from django.db import connections

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/lib/chromium/chromium"))
DEFAULT_TIMEOUT_MS = 20_000


def chromium_missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (requirements-dev.txt)"
    return None


@contextlib.contextmanager
def launched_browser():
    """A headless chromium; the ORM may be used beside Playwright's event loop meanwhile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()
            # The test's ORM calls beside Playwright's event loop opened their own connections.
            connections.close_all()
