"""API serializers for agents with their capacity metrics and performance."""

from rest_framework import serializers

from accounts.models import Team
from agents.models import Agent


class TeamOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class AgentOutputSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="display_name")
    team = TeamOutputSerializer(allow_null=True)

    class Meta:
        model = Agent
        fields = ["id", "location", "username", "name", "team", "max_capacity", "availability", "phone"]
        extra_kwargs = {"phone": {"help_text": "E.164; campaigns in connect mode bridge answered calls to it"}}


class PerformanceOutputSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True, help_text="Conversion rate in percent; null without closed leads")
    conversion_rate = serializers.FloatField(allow_null=True, help_text="won / (won + lost), last 90 days")
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    median_first_response_seconds = serializers.FloatField(allow_null=True)
    responses = serializers.IntegerField(help_text="Assignments the median is computed from")


class AgentCapacityOutputSerializer(AgentOutputSerializer):
    """An agent with live capacity metrics; expects agents.capacity.attach_metrics() first."""

    open_leads = serializers.IntegerField(source="capacity.open_leads")
    open_tickets = serializers.IntegerField(source="capacity.open_tickets")
    load = serializers.IntegerField(source="capacity.load", help_text="Open leads + open tickets")
    remaining_capacity = serializers.IntegerField(source="capacity.remaining")
    utilisation = serializers.FloatField(
        source="capacity.utilisation", allow_null=True, help_text="load / max_capacity; null when capacity is 0"
    )
    over_capacity = serializers.BooleanField(source="capacity.over_capacity")
    has_room = serializers.BooleanField(source="capacity.has_room")
    performance = PerformanceOutputSerializer()

    class Meta(AgentOutputSerializer.Meta):
        fields = [
            *AgentOutputSerializer.Meta.fields,
            "open_leads",
            "open_tickets",
            "load",
            "remaining_capacity",
            "utilisation",
            "over_capacity",
            "has_room",
            "performance",
        ]


class AgentCapacityInputSerializer(serializers.Serializer):
    max_capacity = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    availability = serializers.ChoiceField(choices=Agent._meta.get_field("availability").choices, required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Give max_capacity and/or availability.")
        return attrs


class AgentCapacityUpdateOutputSerializer(AgentCapacityOutputSerializer):
    warnings = serializers.ListField(child=serializers.CharField())

    class Meta(AgentCapacityOutputSerializer.Meta):
        fields = [*AgentCapacityOutputSerializer.Meta.fields, "warnings"]
