"""Forms of the operation pages: the types a user may start, history filters, a start time."""

import datetime
import zoneinfo

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils import timezone

from accounts import policy
from operations.models import OperationStatus
from operations.registry import targets, types_for


def type_choices(target: str, *, user, location) -> list[tuple[str, str]]:
    """The target's operation types this user may start in this location (the policy table decides)."""
    return [(t.key, t.label) for t in types_for(target) if policy.allows(user, t.create_action, location)]


def location_zone(location) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(location.timezone or "UTC")


def scheduled_for_field() -> forms.DateTimeField:
    """A start time as the location's wall time (see in_location_zone)."""
    return forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="In the location's time zone",
    )


def in_location_zone(value, location):
    """A datetime-local value is wall time in the location's time zone, whatever the server's is."""
    if value is None:
        return None
    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
    return naive.replace(tzinfo=location_zone(location))


class RescheduleForm(forms.Form):
    """The edit page's start time, shown and entered in the location's time zone."""

    scheduled_for = scheduled_for_field()

    def __init__(self, data=None, *, operation, **kwargs):
        self.location = operation.location
        when = operation.scheduled_for
        # Naive: the field would show an aware value in the server's zone.
        initial = {"scheduled_for": timezone.make_naive(when, location_zone(self.location)) if when else None}
        super().__init__(data, initial=initial, **kwargs)
        self.fields["scheduled_for"].label = f"Start at ({self.location.timezone or 'UTC'})"

    def clean_scheduled_for(self):
        return in_location_zone(self.cleaned_data.get("scheduled_for"), self.location)


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
