"""The record list pages (leads, tickets): filter form → one keyset page → the page, or its results for htmx."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_htmx.http import push_url

from web.list_filters import ListFilterForm
from web.pages import render_page, wants_partial
from web.pagination import Page, ResultCount, SortOption, list_urls


@dataclass(frozen=True)
class ListPage:
    """One list page. Its templates are `<app>/list.html` and `<app>/_results.html`; its URL `<app>:list`.

    read_page(location=, filters=, sort=, after=, before=) gives (page, count); columns maps a
    clickable header to (the sort a first click chooses, the sort that reverses it).
    """

    app: str
    noun: str
    plural: str
    form_class: type[ListFilterForm]
    read_page: Callable[..., tuple[Page, ResultCount]]
    sorts: dict[str, SortOption]
    default_sort: str
    columns: dict[str, tuple[str, str]]

    def response(self, request: HttpRequest, **extra_context) -> HttpResponse:
        location = request.location
        form = self.form_class(request.GET or None, location=location)
        page: Page | None = None
        count: ResultCount | None = None
        sort = self.default_sort
        if location is not None and (not form.is_bound or form.is_valid()):
            filters = form.cleaned_data if form.is_bound else {}
            sort = filters.get("sort") or sort
            page, count = self.read_page(
                location=location,
                filters=filters,
                sort=sort,
                after=filters.get("after", ""),
                before=filters.get("before", ""),
            )
        filter_query = form.filter_query() if form.is_bound else ""
        context = {
            "form": form,
            "page": page,
            "count": count,
            "sort": sort,
            "sort_label": self.sorts[sort].label,
            "filter_query": filter_query,
            "urls": list_urls(
                filter_query=filter_query,
                sort=sort,
                default_sort=self.default_sort,
                page=page,
                columns=self.columns,
                after=form.data.get("after", ""),
                before=form.data.get("before", ""),
            ),
            "noun": self.noun,
            "plural": self.plural,
            "list_url": reverse(f"{self.app}:list"),
            "filters_id": f"{self.noun}-filters",
            "results_template": f"{self.app}/_results.html",
            **extra_context,
        }
        response = render_page(request, f"{self.app}/list.html", context["results_template"], context)
        if wants_partial(request):
            # The URL keeps the filter state, without the form's empty fields.
            push_url(response, request.path + context["urls"]["current_url"])
        return response
