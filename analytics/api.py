"""GET /api/v1/bulk-operations/analytics: the analytics page's figures as JSON."""

from datetime import date, timedelta

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from accounts.models import Membership
from accounts.policy import Action
from accounts.selectors import default_location_for, locations_for
from analytics import figures, report
from operations.registry import targets, types_for

# A period runs from midnight of its first day to midnight after its last, in the location's
# time zone and then in UTC: a day of margin at each end of the calendar keeps both datetimes.
FIRST_DAY, LAST_DAY = date.min + timedelta(days=1), date.max - timedelta(days=1)


class AnalyticsQueryInput(serializers.Serializer):
    """The period (last N days, or start..end) and the optional filters."""

    days = serializers.IntegerField(required=False, min_value=1, max_value=figures.MAX_PERIOD_DAYS)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    user = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Only operations this user created"
    )
    operation_type = serializers.CharField(
        required=False, allow_blank=True, help_text='A type key ("update_status") or "target.key" ("tickets.assign")'
    )
    target = serializers.CharField(required=False, allow_blank=True, help_text="leads, tickets, …")

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if (start is None) != (end is None):
            raise serializers.ValidationError({"end" if start else "start": ["Give both start and end, or neither."]})
        if start is not None:
            for name, day in (("start", start), ("end", end)):
                if not FIRST_DAY <= day <= LAST_DAY:
                    raise serializers.ValidationError({name: [f"Give a date from {FIRST_DAY} to {LAST_DAY}."]})
            if attrs.get("days"):
                raise serializers.ValidationError({"days": ["Give either days or start and end, not both."]})
            if start > end:
                raise serializers.ValidationError({"end": ["The end date must not be before the start date."]})
            if (end - start).days + 1 > figures.MAX_PERIOD_DAYS:
                raise serializers.ValidationError({"end": [f"At most {figures.MAX_PERIOD_DAYS} days."]})
        location = self.context["location"]
        user_id = attrs.get("user")
        if user_id is not None and not Membership.objects.filter(location=location, user_id=user_id).exists():
            raise serializers.ValidationError({"user": ["No member of this location has this id."]})
        target, key = attrs.get("target") or "", attrs.get("operation_type") or ""
        if "." in key:
            target, key = key.split(".", 1)
        if key:
            known = {(t.key, op.key) for t in targets() for op in types_for(t.key)}
            if not any(k == key and (not target or t == target) for t, k in known):
                raise serializers.ValidationError({"operation_type": [f"Unknown operation type '{key}'."]})
        elif target and target not in {t.key for t in targets()}:
            raise serializers.ValidationError({"target": [f"Unknown target '{target}'."]})
        attrs["target"], attrs["operation_type"] = target or None, key or None
        return attrs

    def scope(self) -> figures.Scope:
        data, location = self.validated_data, self.context["location"]
        period = figures.period_for(
            location=location, days=data.get("days"), start=data.get("start"), end=data.get("end")
        )
        return figures.Scope(
            location=location,
            period=period,
            user_id=data.get("user"),
            target=data["target"],
            operation_type=data["operation_type"],
        )


class AnalyticsApiInput(AnalyticsQueryInput):
    location = serializers.IntegerField(required=False, help_text="Default: your first location")


# --- Output (for the schema; the figures come from analytics.report as they are) ---------

SUCCESSFUL_HELP = "Successful operations: completed with no failed record"
SECONDS_HELP = "Seconds, to the millisecond"


class PeriodOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    timezone = serializers.CharField()


class SummaryOutput(serializers.Serializer):
    total_operations = serializers.IntegerField()
    finished_operations = serializers.IntegerField()
    completed_operations = serializers.IntegerField(help_text="Completed, with or without failed records")
    successful_operations = serializers.IntegerField(help_text=SUCCESSFUL_HELP)
    completed_with_failures = serializers.IntegerField(
        help_text="Completed with one failed record or more (one in which every record failed included)"
    )
    operation_success_rate = serializers.FloatField(
        allow_null=True, help_text="% successful of finished (completed, failed or cancelled) operations"
    )
    records_selected = serializers.IntegerField()
    records_processed = serializers.IntegerField()
    records_succeeded = serializers.IntegerField()
    records_failed = serializers.IntegerField()
    records_skipped = serializers.IntegerField()
    item_success_rate = serializers.FloatField(allow_null=True, help_text="% succeeded of processed")
    item_error_rate = serializers.FloatField(allow_null=True, help_text="% failed of processed")
    average_size = serializers.FloatField(allow_null=True)
    median_size = serializers.FloatField(allow_null=True)


class TypeOutput(serializers.Serializer):
    target = serializers.CharField()
    operation_type = serializers.CharField()
    label = serializers.CharField()
    operations = serializers.IntegerField()
    successful_operations = serializers.IntegerField(help_text=SUCCESSFUL_HELP)
    failed_operations = serializers.IntegerField(help_text="Operations whose status is failed")
    records_processed = serializers.IntegerField()
    records_succeeded = serializers.IntegerField()
    records_failed = serializers.IntegerField()
    error_rate = serializers.FloatField(allow_null=True)


class UserOutput(serializers.Serializer):
    user = serializers.IntegerField(help_text="The id of the user who created the operations")
    name = serializers.CharField()
    operations = serializers.IntegerField()
    finished_operations = serializers.IntegerField()
    completed_operations = serializers.IntegerField()
    successful_operations = serializers.IntegerField(help_text=SUCCESSFUL_HELP)
    completed_with_failures = serializers.IntegerField()
    operation_success_rate = serializers.FloatField(allow_null=True, help_text="% successful of finished")
    records_processed = serializers.IntegerField()
    records_succeeded = serializers.IntegerField()
    records_failed = serializers.IntegerField()
    item_success_rate = serializers.FloatField(allow_null=True, help_text="% succeeded of processed")
    seconds_saved = serializers.FloatField(help_text="Time saved by this user's operations (see time_saved); seconds")


class StatusOutput(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    operations = serializers.IntegerField()


class DurationsOutput(serializers.Serializer):
    measured_operations = serializers.IntegerField()
    average_seconds = serializers.FloatField(allow_null=True, help_text=SECONDS_HELP)
    median_seconds = serializers.FloatField(allow_null=True, help_text=SECONDS_HELP)
    p95_seconds = serializers.FloatField(allow_null=True, help_text=SECONDS_HELP)
    p99_seconds = serializers.FloatField(allow_null=True, help_text=SECONDS_HELP)
    items_per_second = serializers.FloatField(allow_null=True)


class ErrorOutput(serializers.Serializer):
    target = serializers.CharField()
    operation_type = serializers.CharField()
    label = serializers.CharField()
    message = serializers.CharField()
    count = serializers.IntegerField()


class TrendOutput(serializers.Serializer):
    date = serializers.DateField()
    operations = serializers.IntegerField()
    records = serializers.IntegerField()
    records_processed = serializers.IntegerField()


class TimeSavedTypeOutput(serializers.Serializer):
    target = serializers.CharField()
    operation_type = serializers.CharField()
    label = serializers.CharField()
    operations = serializers.IntegerField(help_text="Operations counted (finished, with succeeded records, no undo)")
    records_succeeded = serializers.IntegerField(help_text="Succeeded records of the operations counted")
    per = serializers.ChoiceField(choices=["record", "operation"], help_text="What manual_seconds_each is per")
    manual_seconds_each = serializers.IntegerField(help_text="Seconds by hand per record, or per operation (exports)")
    assumption = serializers.ChoiceField(choices=["configured", "default"])
    manual_seconds = serializers.FloatField(help_text="The work by hand in seconds, before the run time is subtracted")
    run_seconds = serializers.FloatField(help_text="The operations' actual run time; " + SECONDS_HELP.lower())
    seconds_saved = serializers.FloatField(help_text="Sum over operations of max(0, manual - run time); seconds")


class TimeSavedOutput(serializers.Serializer):
    total_seconds = serializers.FloatField(
        help_text="Per operation: manual effort (succeeded records x seconds per record; per export for exports) "
        "minus its actual run time, never below zero; undo runs left out. Seconds, to the millisecond."
    )
    total_hours = serializers.FloatField(help_text="total_seconds in hours, to 2 decimals")
    by_type = TimeSavedTypeOutput(many=True)


class CampaignOutcomeOutput(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    calls = serializers.IntegerField(help_text="Calls that ended with this outcome in the period")


class CampaignsOutput(serializers.Serializer):
    calls_placed = serializers.IntegerField()
    calls_ended = serializers.IntegerField()
    calls_answered = serializers.IntegerField()
    answer_rate = serializers.FloatField(allow_null=True)
    average_call_seconds = serializers.FloatField(allow_null=True)
    outcomes = CampaignOutcomeOutput(many=True)
    outcomes_by_day = serializers.ListField(
        child=serializers.DictField(), help_text='{"date": …, "<outcome>": calls, …} per day'
    )


class AnalyticsOutput(serializers.Serializer):
    location = serializers.IntegerField()
    period = PeriodOutput()
    summary = SummaryOutput()
    by_type = TypeOutput(many=True)
    by_user = UserOutput(many=True, help_text="Per user who created operations in the period")
    by_status = StatusOutput(many=True)
    durations = DurationsOutput()
    top_errors = ErrorOutput(many=True)
    daily_trend = TrendOutput(many=True)
    time_saved = TimeSavedOutput()
    campaigns = CampaignsOutput()


class BulkOperationAnalyticsApi(APIView):
    @extend_schema(
        parameters=[AnalyticsApiInput],
        responses={200: AnalyticsOutput, 404: None},
        summary="Bulk-operation analytics over a period",
        description="The figures of the analytics page: last `days` days (default 30) or `start`..`end`.",
    )
    def get(self, request):
        location_id = request.query_params.get("location")
        if location_id:
            try:
                location = locations_for(request.user).filter(pk=int(location_id)).first()
            except ValueError:
                raise serializers.ValidationError({"location": ["A location id is a number."]}) from None
            if location is None:
                raise NotFound("No such location.")
        else:
            location = default_location_for(request.user)
            if location is None:
                raise NotFound("You are not a member of any location.")
        policy.require(request.user, Action.ANALYTICS_VIEW, location)
        query = AnalyticsApiInput(data=request.query_params, context={"location": location})
        query.is_valid(raise_exception=True)
        figures = report.analytics(scope=query.scope())
        return Response({"location": location.pk, **figures})
