"""One-time keys for page forms that start, retry or undo work: the pages' Idempotency-Key.

Every such form is rendered with a fresh random key ({% form_key_input %}, or
{% form_key_vals %} in an htmx link's hx-vals; static/js/form_keys.js keeps the first one of
each form with the history entry, for browsers that fetch the page again on Back). What the
browser sends twice — Back then submit, a double click, a reload — carries the same key:

- a form that creates a bulk operation hands the key to the engine as the operation's
  idempotency key (unique per user, compared with a fingerprint of the form), exactly as the
  API's Idempotency-Key header does, so the repeat returns the operation the first made;
- a form whose work is no bulk operation (a campaign's creation, start, pause or resume, an
  operation's start or cancel) remembers the key in the session with the page it led to, so
  the repeat lands there again instead of doing the work twice.
"""

import hashlib
import re
import uuid

FIELD = "form_key"
# Keys the pages make are stored with this prefix, apart from keys API clients choose.
PREFIX = "form:"
SESSION_KEY = "used_form_keys"
REMEMBERED = 100  # per session, the most recent ones

ALREADY_STARTED = "This was already started — here is the operation it started."
CHANGED_AFTER_SUBMIT = (
    "This form was already submitted and has been changed since, so nothing was started."
    " To start another operation, check the form and submit it again."
)

_VALID = re.compile(r"[0-9a-f]{32}")


class ChangedSinceSubmitted(Exception):
    """The key's form was submitted before with other values (edited after Back)."""


def new_key() -> str:
    return uuid.uuid4().hex


def posted_key(request) -> str:
    """The posted form's key, prefixed; "" when it sent none (or not one a page renders)."""
    raw = request.POST.get(FIELD, "")
    return PREFIX + raw if _VALID.fullmatch(raw) else ""


def fingerprint(request) -> str:
    """What the form asked for: path, fields (not the CSRF token nor the key) and uploaded files."""
    digest = hashlib.sha256(request.path.encode())
    for name in sorted(request.POST):
        if name not in (FIELD, "csrfmiddlewaretoken"):
            digest.update(repr((name, request.POST.getlist(name))).encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(repr((name, upload.name, upload.size)).encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def earlier_url(request, key: str, fingerprint: str) -> str | None:
    """Where this key's form led when it was submitted before in this session.

    Raises ChangedSinceSubmitted when it was submitted with other values.
    """
    earlier = request.session.get(SESSION_KEY, {}).get(key) if key else None
    if earlier is None:
        return None
    if earlier["fingerprint"] != fingerprint:
        raise ChangedSinceSubmitted
    return earlier["url"]


def remember(request, key: str, fingerprint: str, url: str) -> None:
    """Keep where this key's form led, for a repeat of it."""
    if not key:
        return
    used = request.session.get(SESSION_KEY, {})
    used[key] = {"url": url, "fingerprint": fingerprint}
    request.session[SESSION_KEY] = dict(list(used.items())[-REMEMBERED:])
