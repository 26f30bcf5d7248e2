import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from accounts.models import Agent, Location, Team
from leads.models import Classification, Stage, Tag
from leads.selectors import DEFAULT_LEAD_SORT, LEAD_SORTS

# Query-string keys that choose a page or an order, not which leads match.
NON_FILTER_KEYS = ("sort", "after", "before")


class LeadFilterForm(forms.Form):
    """Validates the leads list's query string; cleaned_data feeds leads_matching()."""

    q = forms.CharField(
        required=False, max_length=200, label="Search", widget=forms.TextInput(attrs={"type": "search"})
    )
    stage = forms.ChoiceField(required=False, choices=[("", "Any stage"), *Stage.choices])
    score_min = forms.IntegerField(required=False, min_value=0, max_value=100, label="Score from")
    score_max = forms.IntegerField(required=False, min_value=0, max_value=100, label="Score to")
    classification = forms.ChoiceField(required=False, choices=[("", "Any"), *Classification.choices])
    tag = forms.ModelChoiceField(required=False, queryset=Tag.objects.none(), empty_label="Any tag")
    owner = forms.ModelChoiceField(required=False, queryset=Agent.objects.none(), empty_label="Anyone")
    team = forms.ModelChoiceField(required=False, queryset=Team.objects.none(), empty_label="Any team")
    created_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(required=False, choices=[(key, option.label) for key, option in LEAD_SORTS.items()])
    after = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    before = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, data=None, *, location: Location, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["tag"].queryset = Tag.objects.filter(location=location)
        self.fields["owner"].queryset = Agent.objects.filter(location=location).select_related("user")
        self.fields["team"].queryset = Team.objects.filter(location=location)

    def clean(self):
        data = super().clean()
        low, high = data.get("score_min"), data.get("score_max")
        if low is not None and high is not None and low > high:
            self.add_error("score_max", "Must not be below the lower score.")
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "Must not be before the start date.")
        data["sort"] = data.get("sort") or DEFAULT_LEAD_SORT
        return data

    def filter_query(self) -> str:
        """The submitted filters alone, as a query string (no sort or page)."""
        query = QueryDict(mutable=True)
        for name in self.fields:
            if name not in NON_FILTER_KEYS and (value := self.data.get(name, "")):
                query[name] = value
        return query.urlencode()


def parse_lead_filters(query: str, *, location: Location) -> dict:
    """The cleaned filters of a `filter_query` (from the bulk bar) for leads_matching().

    Raises ValidationError, with the form's messages, when the query string is not valid.
    """
    form = LeadFilterForm(QueryDict(query), location=location)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.cleaned_data


def clean_lead_filters(filters: dict, *, location: Location) -> dict:
    """A filters dict (the API's `filters`, a stored selection) validated like the list's query string.

    Each value is one text, number or date, as in the query string; an unknown key or a value of
    another kind is an error, never a filter that is silently dropped and so matches every lead.
    Raises ValidationError with a message per key.
    """
    known = set(LeadFilterForm.base_fields) - set(NON_FILTER_KEYS)
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
    form = LeadFilterForm(data, location=location)
    if not form.is_valid():
        errors.update({key: list(messages) for key, messages in form.errors.items()})
    if errors:
        raise ValidationError(errors)
    return form.cleaned_data
