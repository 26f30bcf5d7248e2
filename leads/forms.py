from django import forms

from accounts.models import Location, Team
from agents.models import Agent
from leads.models import Classification, Stage, Tag
from leads.selectors import DEFAULT_LEAD_SORT, LEAD_SORTS
from web.list_filters import ListFilterForm


class LeadFilterForm(ListFilterForm):
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
