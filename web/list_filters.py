"""What the leads and tickets list filter forms share: one query string, read three ways.

The list page reads it from the URL, the bulk bar hands it on as `filter_query`, and the API
and stored selections give it as a dict: all three are validated by the same form.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

# Query-string keys that choose a page or an order, not which records match.
NON_FILTER_KEYS = ("sort", "after", "before")


def stored_filters(cleaned: dict) -> dict:
    """A filter form's cleaned data as JSON values (pks, ISO dates), without pages and sorts.

    What a selection stores; clean_filters() reads it back.
    """
    result = {}
    for key, value in cleaned.items():
        if key in NON_FILTER_KEYS or value in (None, "", []):
            continue
        if hasattr(value, "pk"):
            value = value.pk
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        result[key] = value
    return result


class ListFilterForm(forms.Form):
    """Base of a list's filter form; subclasses declare the fields and take `location`."""

    def filter_query(self) -> str:
        """The submitted filters alone, as a query string (no sort or page)."""
        query = QueryDict(mutable=True)
        for name in self.fields:
            if name not in NON_FILTER_KEYS and (value := self.data.get(name, "")):
                query[name] = value
        return query.urlencode()

    @classmethod
    def parse_query(cls, query: str, *, location) -> dict:
        """The cleaned filters of a `filter_query`; ValidationError with the form's messages."""
        form = cls(QueryDict(query), location=location)
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        return form.cleaned_data

    @classmethod
    def clean_filters(cls, filters: dict, *, location) -> dict:
        """A filters dict (the API's `filters`, a stored selection) validated like the query string.

        Each value is one text, number or date, as in the query string; an unknown key or a value
        of another kind is an error, never a filter silently dropped (which would match every
        record). Raises ValidationError with a message per key.
        """
        known = set(cls.base_fields) - set(NON_FILTER_KEYS)
        errors, data = {}, {}
        for key, value in filters.items():
            if key not in known:
                errors[key] = ["Unknown filter."]
            elif isinstance(value, datetime.date):
                data[key] = value.isoformat()
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                data[key] = str(value)
            elif value is not None:
                errors[key] = ["Must be one text, number or date."]
        form = cls(data, location=location)
        if not form.is_valid():
            errors.update({key: list(messages) for key, messages in form.errors.items()})
        if errors:
            raise ValidationError(errors)
        return form.cleaned_data
