"""The lead types' own parameter forms (message, assign) and the message template form."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Team
from agents.models import Agent
from leads import messaging
from leads.assignment import Strategy
from leads.models import Channel, MessageTemplate
from operations.errors import InvalidInput
from operations.params_forms import ParamsForm

# The parameter forms two lead types declare (form_class) for a richer widget than the generated one.


class MessageForm(ParamsForm):
    """A template picker (or ad-hoc text) where the API takes a template_id."""

    channel = forms.ChoiceField(choices=Channel.choices)
    template = forms.ModelChoiceField(
        queryset=MessageTemplate.objects.none(), required=False, empty_label="Ad-hoc text"
    )
    subject = forms.CharField(required=False, max_length=200, help_text="Email only")
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Placeholders: " + ", ".join("{" + p + "}" for p in messaging.PLACEHOLDERS),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = MessageTemplate.objects.filter(location=self.location)
        # static/js/sms_count.js shows the SMS's characters and segments live, counted by the server.
        self.fields["body"].widget.attrs["data-sms-count-url"] = reverse("lead_bulk:sms_count")

    def params(self) -> dict:
        data = self.cleaned_data
        params = {"channel": data["channel"], "subject": data["subject"], "body": data["body"]}
        if data.get("template"):
            params["template_id"] = data["template"].pk
        return params


class AssignForm(ParamsForm):
    """One agent, a team, or one of seed 004's strategies, chosen by name, in the shape the API takes:
    agent_id, team_id, or strategy (with team_id scoping it and include_assigned). Checked by the
    type's own Params, as the API checks it, so the builder refuses what the API would."""

    assign_to = forms.ChoiceField(
        choices=[
            ("agent", "One agent"),
            ("team", "A team"),
            (Strategy.ROUND_ROBIN.value, "Round robin: the next agent in turn with room"),
            (Strategy.CAPACITY_BASED.value, "Capacity-based: the agent with the most room"),
            (Strategy.PERFORMANCE_BASED.value, "Performance-based: the best performer with room"),
        ],
        widget=forms.RadioSelect,
    )
    agent = forms.ModelChoiceField(queryset=Agent.objects.none(), required=False, empty_label="Nobody (unassign)")
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="No team",
        help_text="A team: the leads' team. A strategy: only this team's agents (none: every available agent).",
    )
    include_assigned = forms.BooleanField(
        required=False, label="Also move leads that have an owner", help_text="Strategies only; else they are skipped"
    )
    reason = forms.CharField(required=False, max_length=500)

    # The type's parameter a field of this form gives.
    FIELD_OF_PARAM = {"agent_id": "agent", "team_id": "team", "strategy": "assign_to"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = Agent.objects.filter(location=self.location).select_related("user")
        self.fields["team"].queryset = Team.objects.filter(location=self.location)

    def params(self) -> dict:
        data = self.cleaned_data
        choice, reason = data["assign_to"], data["reason"]
        if choice == "agent":
            return {"agent_id": data["agent"].pk if data["agent"] else None, "reason": reason}
        if choice == "team":
            return {"team_id": data["team"].pk if data["team"] else None, "reason": reason}
        params = {"strategy": choice, "include_assigned": data["include_assigned"], "reason": reason}
        if data["team"]:
            params["team_id"] = data["team"].pk
        return params

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                self.op_type.validate(self.params(), location=self.location, user=None)
            except InvalidInput as exc:
                self.add_operation_errors(exc)
        return cleaned

    def add_operation_errors(self, exc) -> None:
        for error in exc.errors:
            name = self.FIELD_OF_PARAM.get(error["field"] or "", error["field"])
            self.add_error(name if name in self.fields else None, error["message"])


class MessageTemplateForm(forms.ModelForm):
    """Saving validates the placeholders: an unknown one is a form error."""

    class Meta:
        model = MessageTemplate
        fields = ["name", "category", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"body": "Placeholders: " + ", ".join("{" + p + "}" for p in messaging.PLACEHOLDERS)}

    def __init__(self, *args, location, **kwargs):
        super().__init__(*args, **kwargs)
        self.location = location
        self.instance.location = location

    def _check(self, name):
        value = self.cleaned_data.get(name, "")
        try:
            messaging.validate(value)
        except messaging.TemplateError as exc:
            raise ValidationError(str(exc)) from None
        return value

    def clean_body(self):
        return self._check("body")

    def clean_subject(self):
        return self._check("subject")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = MessageTemplate.objects.filter(location=self.location, name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("A template with this name exists already.")
        return name
