from django import forms

from accounts.models import Team
from agents.models import Availability


class AgentFilterForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    availability = forms.ChoiceField(choices=[("", "Any availability"), *Availability.choices], required=False)

    def __init__(self, *args, location, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(location=location)


class AgentCapacityForm(forms.Form):
    max_capacity = forms.IntegerField(min_value=0, max_value=100_000, label="Maximum capacity")
    availability = forms.ChoiceField(choices=Availability.choices)
