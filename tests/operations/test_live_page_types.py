"""The live page renders for every registered operation type (and its undo), and the
parameter form of a type validates as its API serializer does.

Types are enumerated from the registry: a type added tomorrow is covered the day it is
registered (tests/factories.OPERATION_PARAMS must name its sample parameters).
"""

import datetime
import decimal

import pytest
from django import forms
from django.urls import reverse
from rest_framework import serializers

from accounts.models import Team
from agents.models import Agent
from operations import engine
from operations.models import OperationStatus
from operations.params_forms import OperationParamsForm, _form_field, describe_parameters
from operations.registry import OperationType, get_type, targets, types_for
from tests import factories

REGISTERED = [(target.key, op_type.key) for target in targets() for op_type in types_for(target.key)]


def test_the_registry_is_not_empty_and_every_type_has_sample_parameters(location):
    assert len(REGISTERED) >= 13
    for target, key in REGISTERED:
        factories.operation_params(target, key, location)


@pytest.mark.parametrize(("target", "key"), REGISTERED, ids=[f"{t}-{k}" for t, k in REGISTERED])
def test_live_page_of_every_type_and_its_undo_renders(client_for, manager, location, agent, target, key):
    params = factories.operation_params(target, key, location)
    records = [factories.make_record(target, location, agent=agent) for _ in range(2)]
    operation, _ = engine.create_operation(
        user=manager, location=location, target=target, operation_type=key, params=params, ids=[r.pk for r in records]
    )
    client = client_for(manager)
    detail = reverse("operations:detail", args=[operation.pk])

    pending = client.get(detail)
    assert pending.status_code == 200, pending.content.decode()[:2000]

    operation = factories.run_to_end(operation)
    assert operation.status == OperationStatus.COMPLETED
    done = client.get(detail)
    assert done.status_code == 200
    body = done.content.decode()
    assert 'class="details operation-params"' in body or not operation.parameters
    assert client.get(reverse("operations:progress", args=[operation.pk])).status_code == 200

    if not get_type(target, key).reversible:
        return
    assert operation.successful > 0
    undo = factories.run_to_end(engine.undo_operation(operation=operation, user=manager))
    response = client.get(reverse("operations:detail", args=[undo.pk]))
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "Undo of" in response.content.decode()


@pytest.mark.parametrize(("target", "key"), REGISTERED, ids=[f"{t}-{k}" for t, k in REGISTERED])
def test_parameter_form_of_every_type_accepts_what_the_api_accepts(location, manager, target, key):
    op_type = get_type(target, key)
    params = op_type.validate(factories.operation_params(target, key, location), location=location, user=manager)
    form = OperationParamsForm(op_type=op_type, location=location)

    bound = OperationParamsForm(form.data_for(params), op_type=op_type, location=location)

    assert bound.is_valid(), bound.errors
    assert op_type.validate(bound.params(), location=location, user=manager) == params
    rows = describe_parameters(op_type=op_type, params=params, location=location)
    assert [label for label, _ in rows] == [form.fields[name].label for name in params]
    assert all(isinstance(value, str) and value for _, value in rows)


# --- Each DRF field type, validated as the API validates it ----------------------------


def field_for(field, location=None):
    field.bind("value", serializers.Serializer())
    return _form_field("value", field, location=location)


def test_decimal_field_keeps_the_serializers_bounds_and_places():
    field = field_for(serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, allow_null=True))

    assert isinstance(field, forms.DecimalField)
    assert field.clean("12.50") == decimal.Decimal("12.50")
    assert field.clean("") is None
    for bad in ("-1", "12.345", "12345.00", "lots"):
        with pytest.raises(forms.ValidationError):
            field.clean(bad)


def test_list_of_text_is_a_comma_separated_field_with_the_lists_limits():
    field = field_for(serializers.ListField(child=serializers.CharField(max_length=5), min_length=1, max_length=3))

    assert field.clean("vip, hot ,\nnew") == ["vip", "hot", "new"]
    for bad in ("", "a,b,c,d", "toolong"):
        with pytest.raises(forms.ValidationError):
            field.clean(bad)


def test_list_of_integers_validates_each_item():
    field = field_for(serializers.ListField(child=serializers.IntegerField(min_value=1)))

    assert field.clean("1, 2") == [1, 2]
    with pytest.raises(forms.ValidationError):
        field.clean("1, x")
    with pytest.raises(forms.ValidationError):
        field.clean("0")


def test_list_of_choices_and_multiple_choice_are_checkboxes_of_the_choices():
    listed = field_for(serializers.ListField(child=serializers.ChoiceField(choices=["a", "b"]), min_length=1))
    multiple = field_for(serializers.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], allow_empty=False))

    for field in (listed, multiple):
        assert isinstance(field, forms.MultipleChoiceField)
        assert field.clean(["b", "a"]) == ["b", "a"]
        with pytest.raises(forms.ValidationError):
            field.clean(["c"])
        with pytest.raises(forms.ValidationError):
            field.clean([])


def test_optional_choice_offers_a_blank_choice():
    field = field_for(serializers.ChoiceField(choices=["x"], required=False, allow_blank=True))

    assert field.clean("") == ""
    assert ("", "—") in field.choices


def test_dates_emails_floats_and_booleans():
    assert field_for(serializers.DateField()).clean("2030-01-02") == datetime.date(2030, 1, 2)
    assert field_for(serializers.DateTimeField()).clean("2030-01-02T03:04").hour == 3
    assert field_for(serializers.FloatField(max_value=1.0)).clean("0.5") == 0.5
    assert field_for(serializers.BooleanField(required=False)).clean("on") is True
    with pytest.raises(forms.ValidationError):
        field_for(serializers.EmailField()).clean("not an email")


def test_primary_key_related_field_offers_only_the_locations_objects(location, other_location):
    ours, theirs = factories.make_team(location, "Ours"), factories.make_team(other_location, "Theirs")
    field = field_for(serializers.PrimaryKeyRelatedField(queryset=Team.objects.all()), location)

    assert isinstance(field, forms.ModelChoiceField)
    assert field.clean(str(ours.pk)) == ours
    with pytest.raises(forms.ValidationError):
        field.clean(str(theirs.pk))


def test_many_related_field_is_a_multiple_choice_of_the_locations_objects(location, other_location):
    ours, theirs = factories.make_agent(location), factories.make_agent(other_location)
    field = field_for(serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all(), many=True), location)

    assert list(field.clean([str(ours.pk)])) == [ours]
    with pytest.raises(forms.ValidationError):
        field.clean([str(theirs.pk)])


def test_an_unknown_field_type_has_no_form_field():
    with pytest.raises(TypeError):
        field_for(serializers.SerializerMethodField())


# --- Describing stored parameters never fails -------------------------------------------


class Oddities(OperationType):
    key = "oddities"
    label = "Oddities"
    target = "nowhere"

    class Params(serializers.Serializer):
        weird = serializers.HStoreField()
        budget = serializers.DecimalField(max_digits=8, decimal_places=2, required=False)
        tags = serializers.ListField(child=serializers.CharField())
        fields = serializers.ListField(child=serializers.ChoiceField(choices=[("email", "Email address")]))
        team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
        flag = serializers.BooleanField()


def test_describe_parameters_shows_every_value_as_readable_text(location):
    team = factories.make_team(location, "Closers")
    params = {
        "weird": {"a": "1"},
        "budget": "1200.50",
        "tags": ["vip", "hot"],
        "fields": ["email", "gone"],
        "team": team.pk,
        "flag": False,
        "left_over": [1, 2],
    }

    rows = dict(describe_parameters(op_type=Oddities(), params=params, location=location))

    assert rows == {
        "Weird": '{"a": "1"}',
        "Budget": "1200.50",
        "Tags": "vip, hot",
        "Fields": "Email address, gone",
        "Team": "Closers",
        "Flag": "No",
        "left_over": "1, 2",
    }


def test_describe_parameters_of_a_deleted_object_and_odd_shapes_never_fails(location):
    rows = dict(
        describe_parameters(
            op_type=Oddities(), params={"team": 987_654, "tags": None, "budget": {"x": 1}}, location=location
        )
    )

    assert rows == {"Team": "#987654", "Tags": "—", "Budget": '{"x": 1}'}
    assert describe_parameters(op_type=Oddities(), params=["not", "a", "dict"], location=location) == [
        ("Parameters", "not, a, dict")
    ]
