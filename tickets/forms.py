from django import forms

from accounts.models import Location
from agents.models import Agent
from tickets.models import Category, Priority, Status
from tickets.selectors import DEFAULT_TICKET_SORT, TICKET_SORTS
from web.list_filters import ListFilterForm


class TicketFilterForm(ListFilterForm):
    """Validates the tickets list's query string; cleaned_data feeds tickets_matching()."""

    q = forms.CharField(
        required=False, max_length=200, label="Search", widget=forms.TextInput(attrs={"type": "search"})
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Status.choices])
    priority = forms.ChoiceField(required=False, choices=[("", "Any priority"), *Priority.choices])
    category = forms.ChoiceField(required=False, choices=[("", "Any category"), *Category.choices])
    assignee = forms.ModelChoiceField(required=False, queryset=Agent.objects.none(), empty_label="Anyone")
    created_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(required=False, choices=[(key, option.label) for key, option in TICKET_SORTS.items()])
    after = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    before = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, data=None, *, location: Location, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["assignee"].queryset = Agent.objects.filter(location=location).select_related("user")

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "Must not be before the start date.")
        data["sort"] = data.get("sort") or DEFAULT_TICKET_SORT
        return data
