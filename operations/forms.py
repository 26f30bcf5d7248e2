"""Forms of the operation pages: a type's parameters, the bulk selection, history filters."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import number_format
from rest_framework import serializers

from accounts.models import Agent
from operations.models import OperationStatus
from operations.registry import OperationType, targets, types_for

PARAMS_PREFIX = "params"
LONG_TEXT = 255


def _form_field(name: str, field: serializers.Field, *, location) -> forms.Field:
    """The Django form field for one field of a type's Params serializer."""
    common = {"label": field.label or name.replace("_", " ").capitalize(), "help_text": field.help_text or ""}
    if name == "agent_id":
        agents = Agent.objects.filter(location=location).select_related("user")
        choices = [(str(a.pk), a.display_name) for a in agents]
        return forms.ChoiceField(
            choices=[("", "Nobody (unassign)" if field.allow_null else "Choose an agent"), *choices],
            required=not field.allow_null,
            **{**common, "label": "Agent"},
        )
    if isinstance(field, serializers.BooleanField):
        return forms.BooleanField(required=False, initial=field.default is True, **common)
    if isinstance(field, serializers.ChoiceField):
        return forms.ChoiceField(choices=list(field.choices.items()), required=field.required, **common)
    if isinstance(field, serializers.IntegerField):
        return forms.IntegerField(
            required=field.required, min_value=field.min_value, max_value=field.max_value, **common
        )
    if isinstance(field, serializers.CharField):
        max_length = field.max_length
        widget = forms.Textarea(attrs={"rows": 4}) if max_length is None or max_length > LONG_TEXT else None
        return forms.CharField(
            required=field.required and not field.allow_blank, max_length=max_length, widget=widget, **common
        )
    raise TypeError(f"No form field for {type(field).__name__} ({name})")


class OperationParamsForm(forms.Form):
    """The parameters of one operation type, built from its Params serializer."""

    def __init__(self, data=None, *, op_type: OperationType, location, **kwargs):
        kwargs.setdefault("prefix", PARAMS_PREFIX)
        super().__init__(data, **kwargs)
        self.op_type = op_type
        for name, field in op_type.Params().fields.items():
            if not field.read_only:
                self.fields[name] = _form_field(name, field, location=location)

    def params(self) -> dict:
        """The cleaned values in the shape the type's serializer validates."""
        params = {}
        for name, value in self.cleaned_data.items():
            if name == "agent_id":
                value = int(value) if value else None
            params[name] = value
        return params

    def add_serializer_errors(self, detail) -> None:
        """Field errors from the type's own validation, shown on the form."""
        if not isinstance(detail, dict):
            self.add_error(None, [str(e) for e in detail] if isinstance(detail, list) else str(detail))
            return
        for name, errors in detail.items():
            messages = [str(e) for e in errors] if isinstance(errors, list) else [str(errors)]
            self.add_error(name if name in self.fields else None, messages)

    def carried_values(self) -> list[tuple[str, str]]:
        """(name, value) pairs that carry the submitted parameters to the next step."""
        return [(self.add_prefix(name), self.data.get(self.add_prefix(name), "")) for name in self.fields]

    def confirmation(self, *, count: int, singular: str, plural: str) -> str:
        """The question of the confirm step: "Update status of 1,234 tickets to Resolved?"."""
        noun = singular if count == 1 else plural
        records = f"{number_format(count, force_grouping=True)} {noun}"
        key = self.op_type.key
        values = self.cleaned_data
        if "agent_id" in self.fields:
            agent = dict(self.fields["agent_id"].choices).get(values.get("agent_id") or "")
            return f"Assign {records} to {agent}?" if values.get("agent_id") else f"Unassign {records}?"
        choice_fields = [n for n, f in self.fields.items() if isinstance(f, forms.ChoiceField)]
        if len(choice_fields) == 1:
            name = choice_fields[0]
            shown = dict(self.fields[name].choices).get(values.get(name), values.get(name))
            return f"{self.op_type.label} of {records} to {shown}?"
        if key == "add_comment":
            kind = "an internal comment" if values.get("is_internal") else "a comment"
            return f"Add {kind} to {records}?"
        if key == "delete":
            return f"Delete {records}?"
        return f"{self.op_type.label}: {records}?"


def describe_parameters(*, op_type: OperationType, params: dict, location) -> list[tuple[str, str]]:
    """(label, shown value) of stored parameters, with choices shown by their labels."""
    fields = OperationParamsForm(op_type=op_type, location=location).fields
    rows = []
    for name, value in params.items():
        field = fields.get(name)
        if isinstance(field, forms.ChoiceField):
            shown = dict(field.choices).get("" if value is None else str(value), value)
        elif isinstance(field, forms.BooleanField):
            shown = "Yes" if value else "No"
        else:
            shown = value
        rows.append((field.label if field else name, "—" if shown in (None, "") else str(shown)))
    return rows


def type_choices(target: str) -> list[tuple[str, str]]:
    return [(t.key, t.label) for t in types_for(target)]


class BulkSelection:
    """The selection a list's bulk bar posts: repeated `ids`, or select_all=1 + filter_query."""

    def __init__(self, data: QueryDict):
        self.select_all = data.get("select_all") == "1"
        self.filter_query = data.get("filter_query", "") if self.select_all else ""
        self.raw_ids = [] if self.select_all else data.getlist("ids")
        self.errors: list[str] = []

    def ids(self) -> list[int]:
        ids, bad = [], []
        for raw in self.raw_ids:
            try:
                ids.append(int(raw))
            except (TypeError, ValueError):
                bad.append(raw)
        if bad:
            self.errors.append("Some selected IDs are not valid.")
        return list(dict.fromkeys(ids))

    def hidden_fields(self) -> list[tuple[str, str]]:
        if self.select_all:
            return [("select_all", "1"), ("filter_query", self.filter_query)]
        return [("ids", raw) for raw in self.raw_ids]


class HistoryFilterForm(forms.Form):
    """The operations history's filters, from the query string."""

    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *OperationStatus.choices])
    target = forms.ChoiceField(required=False)
    operation_type = forms.ChoiceField(required=False, label="Type")
    created_by = forms.ChoiceField(required=False, label="Started by")
    created_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, location, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["target"].choices = [("", "Any records"), *((t.key, t.label) for t in targets())]
        type_labels = {}
        for target in targets():
            for op_type in types_for(target.key):
                type_labels.setdefault(op_type.key, op_type.label)
        self.fields["operation_type"].choices = [("", "Any type"), *sorted(type_labels.items(), key=lambda kv: kv[1])]
        users = get_user_model().objects.filter(memberships__location=location).order_by("username")
        self.fields["created_by"].choices = [
            ("", "Anyone"),
            *((str(u.pk), u.get_full_name() or u.username) for u in users),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "Must not be before the start date.")
        return data

    def apply(self, queryset):
        data = self.cleaned_data
        for name in ("status", "target", "operation_type"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("created_by"):
            queryset = queryset.filter(created_by_id=int(data["created_by"]))
        if data.get("created_from"):
            queryset = queryset.filter(created_at__gte=_start_of_day(data["created_from"]))
        if data.get("created_to"):
            queryset = queryset.filter(created_at__lt=_start_of_day(data["created_to"] + datetime.timedelta(days=1)))
        return queryset

    def query_string(self) -> str:
        query = QueryDict(mutable=True)
        for name in self.fields:
            if value := self.data.get(name, ""):
                query[name] = value
        return query.urlencode()


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
