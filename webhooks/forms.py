from django import forms

from webhooks import services
from webhooks.models import Event


class WebhookForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/bulkops"}),
        help_text="Receives a signed POST for each event.",
    )
    events = forms.MultipleChoiceField(choices=Event.choices, widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def clean_url(self) -> str:
        return services.validate_url(self.cleaned_data["url"].strip())

    def clean_events(self) -> list[str]:
        return services.validate_events(self.cleaned_data["events"])
