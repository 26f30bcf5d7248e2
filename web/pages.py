"""A page that htmx may ask for in part: one rule for choosing the whole page or its partial."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_partial(request: HttpRequest) -> bool:
    """An htmx swap wants the partial; Back after a history-cache miss (a history restore) and a
    boosted link want the whole page, or the browser would show a fragment without its layout."""
    htmx = request.htmx
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def render_page(request: HttpRequest, template: str, partial_template: str, context: dict) -> HttpResponse:
    """Render the partial for an htmx swap and the whole page otherwise; caches keep the two apart."""
    response = render(request, partial_template if wants_partial(request) else template, context)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response
