"""Hostile strings and the check that a page shows them as text, never as markup."""

from django.utils.html import escape

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAK = '"><img src=x onerror=alert(1)>'
# Both in one value (57 characters: it fits a tag name), so every field gets both at once.
XSS = SCRIPT + ATTRIBUTE_BREAK


def assert_shown_escaped(html: str, payload: str = XSS) -> None:
    """The payload is on the page (so the field was rendered), only ever as escaped text."""
    assert SCRIPT not in html and "<img src=x" not in html, "raw markup from a user-supplied value"
    assert escape(payload) in html, "the value is not on the page at all: the check proves nothing"
