"""A type's parameter form: the one form factory for every DRF field a type's Params uses
(choices, text, decimals, lists, dates, related objects, agents, JSON), with the API's bounds,
and stored parameters shown as that form shows them. Knows no type and no registry."""

import json
import re

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import QueryDict
from django.utils.formats import number_format
from rest_framework import serializers
from rest_framework.fields import empty

from agents.models import Agent

PARAMS_PREFIX = "params"
LONG_TEXT = 255


NULL_CHOICE = "none"  # An optional agent field's "Nobody (unassign)": null, where "" is "not given".
EMPTY_SHOWN = "—"


class _ListLimits:
    """min_items / max_items of a list-valued form field, as the serializer's ListField has them."""

    def __init__(self, *args, min_items=None, max_items=None, **kwargs):
        self.min_items, self.max_items = min_items, max_items
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        count = len(value or [])
        if value and self.min_items is not None and count < self.min_items:
            raise forms.ValidationError(f"Give at least {self.min_items}.", code="min_items")
        if self.max_items is not None and count > self.max_items:
            raise forms.ValidationError(f"Give at most {self.max_items}.", code="max_items")


class MultipleChoiceList(_ListLimits, forms.MultipleChoiceField):
    """A ListField of choices (or a MultipleChoiceField): one checkbox per choice."""


class SeparatedList(_ListLimits, forms.Field):
    """A ListField of text or numbers, typed as one line: items separated by commas or new lines.

    Each item is cleaned by `item`, the form field of the list's child.
    """

    widget = forms.TextInput

    def __init__(self, *, item: forms.Field, **kwargs):
        self.item = item
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else value

    def to_python(self, value):
        if value in self.empty_values:
            return []
        parts = value if isinstance(value, (list, tuple)) else re.split(r"[,\n]", str(value))
        return [str(part).strip() for part in parts if str(part).strip()]

    def clean(self, value):
        items, cleaned, errors = super().clean(value), [], []
        for item in items:
            try:
                cleaned.append(self.item.clean(item))
            except forms.ValidationError as exc:
                errors += [f"{item}: {message}" for message in exc.messages]
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


def _scoped(queryset, location):
    """A related field's choices: only the location's objects when the model has a location."""
    if any(f.name == "location" for f in queryset.model._meta.get_fields()):
        return queryset.filter(location=location) if location is not None else queryset.none()
    return queryset


def _related_field(field, *, multiple: bool, required: bool, common: dict) -> forms.Field:
    relation = field.child_relation if multiple else field
    if not isinstance(relation, (serializers.PrimaryKeyRelatedField, serializers.SlugRelatedField)):
        raise TypeError(f"No form field for {type(relation).__name__}")
    queryset = _scoped(relation.get_queryset(), common.pop("location"))
    to_field = relation.slug_field if isinstance(relation, serializers.SlugRelatedField) else None
    if multiple:
        return forms.ModelMultipleChoiceField(queryset=queryset, required=required, to_field_name=to_field, **common)
    return forms.ModelChoiceField(queryset=queryset, required=required, to_field_name=to_field, **common)


def _blank_choice(field) -> list[tuple[str, str]]:
    return [("", EMPTY_SHOWN)] if not field.required or field.allow_blank or field.allow_null else []


def _form_field(name: str, field: serializers.Field, *, location) -> forms.Field:
    """The Django form field for one field of a type's Params serializer.

    The bounds the serializer checks (lengths, limits, digits, choices, the location's
    objects) are the form field's too, so a page says what the API would; the type's own
    validate() still runs on what the form gives. Raises TypeError for a field type it does
    not know (describe_parameters then shows the stored value as plain text).
    """
    common = {"label": field.label or name.replace("_", " ").capitalize(), "help_text": field.help_text or ""}
    if field.default is not empty and not callable(field.default):
        common["initial"] = field.default
    required = field.required and not getattr(field, "allow_null", False)
    if name == "agent_id":
        agents = Agent.objects.filter(location=location).select_related("user")
        choices = [(str(a.pk), a.display_name) for a in agents]
        if not field.allow_null:
            nobody = [("", "Choose an agent")]
        elif field.required:
            nobody = [("", "Nobody (unassign)")]
        else:  # Optional: "" is "not given", and null is a choice of its own.
            nobody = [("", EMPTY_SHOWN), (NULL_CHOICE, "Nobody (unassign)")]
        return forms.ChoiceField(
            choices=[*nobody, *choices], required=not field.allow_null, **{**common, "label": "Agent"}
        )
    if isinstance(field, serializers.BooleanField):
        return forms.BooleanField(required=False, **{**common, "initial": field.default is True})
    if isinstance(field, serializers.ManyRelatedField):
        required = field.required and not field.allow_empty
        return _related_field(field, multiple=True, required=required, common={**common, "location": location})
    if isinstance(field, serializers.RelatedField):
        return _related_field(field, multiple=False, required=required, common={**common, "location": location})
    if isinstance(field, serializers.MultipleChoiceField):
        return MultipleChoiceList(
            choices=list(field.choices.items()), required=field.required and not field.allow_empty, **common
        )
    if isinstance(field, serializers.ChoiceField):
        return forms.ChoiceField(
            choices=[*_blank_choice(field), *field.choices.items()],
            required=field.required and not field.allow_blank,
            **common,
        )
    if isinstance(field, serializers.ListField):
        limits = {"min_items": field.min_length, "max_items": field.max_length}
        list_required = field.required and (bool(field.min_length) or not field.allow_empty)
        if isinstance(field.child, serializers.ChoiceField):
            return MultipleChoiceList(
                choices=list(field.child.choices.items()), required=list_required, **limits, **common
            )
        item = _form_field(name, field.child, location=location)
        help_text = " ".join(filter(None, [common.pop("help_text"), "Separate them with commas."]))
        return SeparatedList(item=item, required=list_required, help_text=help_text, **limits, **common)
    if isinstance(field, serializers.DecimalField):
        return forms.DecimalField(
            required=required,
            max_digits=field.max_digits,
            decimal_places=field.decimal_places,
            min_value=field.min_value,
            max_value=field.max_value,
            **common,
        )
    if isinstance(field, serializers.IntegerField):
        return forms.IntegerField(required=required, min_value=field.min_value, max_value=field.max_value, **common)
    if isinstance(field, serializers.FloatField):
        return forms.FloatField(required=required, min_value=field.min_value, max_value=field.max_value, **common)
    if isinstance(field, serializers.DateTimeField):
        widget = forms.DateTimeInput(attrs={"type": "datetime-local"})
        return forms.DateTimeField(required=required, widget=widget, **common)
    if isinstance(field, serializers.DateField):
        return forms.DateField(required=required, widget=forms.DateInput(attrs={"type": "date"}), **common)
    if isinstance(field, serializers.TimeField):
        return forms.TimeField(required=required, widget=forms.TimeInput(attrs={"type": "time"}), **common)
    if isinstance(field, serializers.DurationField):
        return forms.DurationField(required=required, **common)
    if isinstance(field, serializers.UUIDField):
        return forms.UUIDField(required=required, **common)
    if isinstance(field, (serializers.JSONField, serializers.DictField)):
        return forms.JSONField(required=required, **common)
    if isinstance(field, serializers.CharField):
        text = {
            "required": field.required and not field.allow_blank,
            "max_length": field.max_length,
            "min_length": field.min_length,
        }
        if isinstance(field, serializers.EmailField):
            return forms.EmailField(**text, **common)
        if isinstance(field, serializers.URLField):
            return forms.URLField(**text, **common)
        long_text = field.max_length is None or field.max_length > LONG_TEXT
        widget = forms.Textarea(attrs={"rows": 4}) if long_text else None
        return forms.CharField(**text, widget=widget, **common)
    raise TypeError(f"No form field for {type(field).__name__} ({name})")


class ParamsForm(forms.Form):
    """A type's parameter form: params() gives the raw parameters its Params validates.

    The generated OperationParamsForm below serves every type; a type declares a subclass of
    its own (OperationType.form_class) only for a richer widget.
    """

    def __init__(self, data=None, *, op_type, location, **kwargs):
        kwargs.setdefault("prefix", PARAMS_PREFIX)
        super().__init__(data, **kwargs)
        self.op_type, self.location = op_type, location

    def params(self) -> dict:
        raise NotImplementedError

    def add_operation_errors(self, exc) -> None:
        """The field errors of the type's own validation (an InvalidInput), shown on the form."""
        for error in exc.errors:
            name = re.split(r"[.\[]", error["field"] or "")[0]  # "tags.0" is the tags field's
            self.add_error(name if name in self.fields else None, error["message"])

    def carried_values(self) -> list[tuple[str, str]]:
        """(name, value) pairs that carry the submitted parameters to the next step."""
        pairs = []
        for name, field in self.fields.items():
            key = self.add_prefix(name)
            if isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)):
                pairs += [(key, value) for value in self.data.getlist(key)]
            else:
                pairs.append((key, self.data.get(key, "")))
        return pairs

    def confirmation(self, *, count: int, singular: str, plural: str) -> str:
        """The question of the confirm step: "Update status of 1,234 tickets to Resolved?".

        The type's own question() wins; else the form's.
        """
        noun = singular if count == 1 else plural
        records = f"{number_format(count, force_grouping=True)} {noun}"
        return self.op_type.question(records, self.cleaned_data) or self.question(records)

    def question(self, records: str) -> str:
        return f"{self.op_type.label}: {records}?"


class OperationParamsForm(ParamsForm):
    """The parameters of one operation type, built from its Params serializer."""

    def __init__(self, data=None, *, op_type, location, **kwargs):
        super().__init__(data, op_type=op_type, location=location, **kwargs)
        self.declared = {name: field for name, field in op_type.Params().fields.items() if _is_input(field)}
        for name, field in self.declared.items():
            self.fields[name] = _form_field(name, field, location=location)

    def params(self) -> dict:
        """The cleaned values in the shape the type's serializer validates.

        An optional field left empty is left out (its default applies), as an API client
        leaves out what it does not give; objects become their primary keys.
        """
        params = {}
        for name, value in self.cleaned_data.items():
            declared = self.declared[name]
            if name == "agent_id":
                if value == NULL_CHOICE:
                    params[name] = None
                    continue
                value = int(value) if value else None
            value = _raw(value)
            if _left_empty(value, declared) and not declared.required:
                continue
            params[name] = value
        return params

    def data_for(self, params: dict) -> QueryDict:
        """Form data that fills this form with stored parameters (what params() gives back)."""
        data = QueryDict(mutable=True)
        for name, field in self.fields.items():
            if name not in params:
                continue
            value, key = params[name], self.add_prefix(name)
            if name == "agent_id" and value is None:
                data[key] = NULL_CHOICE if NULL_CHOICE in dict(field.choices) else ""
            elif isinstance(field, forms.BooleanField):
                if value:
                    data[key] = "on"
            elif isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)):
                data.setlist(key, [str(item) for item in value or []])
            else:
                data[key] = "" if value is None else str(field.prepare_value(value))
        return data

    def question(self, records: str) -> str:
        """The generated form's question: one choice ("… to Resolved?") or an agent ("Assign … to Ann?")."""
        values = self.cleaned_data
        if "agent_id" in self.fields:
            agent = dict(self.fields["agent_id"].choices).get(values.get("agent_id") or "")
            return f"Assign {records} to {agent}?" if values.get("agent_id") else f"Unassign {records}?"
        choice_fields = [n for n, f in self.fields.items() if isinstance(f, forms.ChoiceField)]
        if len(choice_fields) == 1:
            name = choice_fields[0]
            shown = dict(self.fields[name].choices).get(values.get(name), values.get(name))
            return f"{self.op_type.label} of {records} to {shown}?"
        return super().question(records)


def _is_input(field: serializers.Field) -> bool:
    return not field.read_only and not isinstance(field, serializers.HiddenField)


def _raw(value):
    """A cleaned form value as the serializer takes it: objects become primary keys."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet):
        return [obj.pk for obj in value]
    return value


def _left_empty(value, declared: serializers.Field) -> bool:
    if value is None or value == "" or value == []:
        return True
    unchecked_means_absent = declared.default is empty or declared.default is False
    return value is False and isinstance(declared, serializers.BooleanField) and unchecked_means_absent


def _plain(value) -> str:
    """Any stored value as readable text: lists joined, mappings as JSON, nothing as a dash."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY_SHOWN
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _shown(field: forms.Field | None, value) -> str:
    """A stored value as its form field shows it: choices and objects by their labels."""
    if isinstance(field, forms.ModelChoiceField):  # Also ModelMultipleChoiceField.
        return _shown_objects(field, value)
    if isinstance(field, forms.ChoiceField):  # Also MultipleChoiceField.
        choices = {str(key): str(label) for key, label in field.choices}
        if value is None and NULL_CHOICE in choices:
            return choices[NULL_CHOICE]
        if isinstance(value, (list, tuple)):
            return _plain([choices.get(str(item), item) for item in value])
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return choices.get(str(value), str(value))
    if isinstance(field, forms.BooleanField) and isinstance(value, bool):
        return "Yes" if value else "No"
    return _plain(value)


def _shown_objects(field: forms.ModelChoiceField, value) -> str:
    keys = value if isinstance(value, (list, tuple)) else [value]
    if value is None or not keys:
        return _plain(value)
    key_field = field.to_field_name or "pk"
    try:
        objects = field.queryset.filter(**{f"{key_field}__in": keys})
        names = {str(getattr(obj, key_field)): str(obj) for obj in objects}
    except (TypeError, ValueError, DjangoValidationError):
        return _plain(value)
    return _plain([names.get(str(key), f"#{key}") for key in keys])


def describe_parameters(*, op_type, params, location) -> list[tuple[str, str]]:
    """(label, shown value) of stored parameters, with choices and objects shown by their labels.

    Never fails: a value its field cannot show (an unknown field type, an old or odd shape)
    is shown as plain text.
    """
    if not isinstance(params, dict):
        return [("Parameters", _plain(params))] if params else []
    declared = op_type.Params().fields
    rows = []
    for name, value in params.items():
        serializer_field, field = declared.get(name), None
        if serializer_field is not None and _is_input(serializer_field):
            try:
                field = _form_field(name, serializer_field, location=location)
            except TypeError:
                field = None
        if field is not None:
            label = str(field.label)
        elif serializer_field is not None:
            label = serializer_field.label or name.replace("_", " ").capitalize()
        else:
            label = name
        rows.append((label, _shown(field, value)))
    return rows
