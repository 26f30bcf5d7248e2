"""Error pages of the server-rendered UI. The API answers its own errors in JSON (web/api.py)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.shortcuts import render


def _explain(exception) -> tuple[int, str, str]:
    """(status, title, message) for a request Django refused before any view saw it."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        return 413, "Too large", f"What you sent is larger than {limit:g} MB. Send a smaller file or fewer records."
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return 400, "Too many fields", "The form carried too many fields or files. Select fewer records at once."
    return 400, "Bad request", "The request could not be read."


def bad_request(request, exception):
    """handler400: the reason in words, with the status it deserves (413 for a body over the limit)."""
    status, title, message = _explain(exception)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": []}, status=status)
    return render(request, "400.html", {"title": title, "message": message}, status=status)
