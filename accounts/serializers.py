"""API serializers for tenants and users, and the tenant-aware fields other apps reuse."""

from django.db.models import Model
from rest_framework import serializers

from accounts.models import Location, Membership
from accounts.selectors import locations_for, membership_for


class TenantScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key that must name a record of one of the requesting user's locations.

    Another tenant's id reads as "does not exist", so the answer never reveals it.
    `location_path` is the lookup from the model to its Location.
    """

    default_error_messages = {
        "does_not_exist": "No such record in your locations (id {pk_value}).",
        "incorrect_type": "Expected an integer id, got {data_type}.",
    }

    def __init__(self, *, location_path: str = "location", **kwargs):
        self.location_path = location_path
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return queryset.filter(**{f"{self.location_path}__in": locations_for(request.user)})


class LocationField(TenantScopedPrimaryKeyField):
    default_error_messages = {"does_not_exist": "Not one of your locations (id {pk_value})."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Location.objects.all())
        kwargs.setdefault("help_text", "Location (tenant) id; defaults to your only location.")
        super().__init__(location_path="pk", **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return locations_for(request.user) if request is not None else Location.objects.none()


def resolve_location(serializer: serializers.Serializer, attrs: dict) -> Location:
    """The location a new record goes to: the one given, else the user's only location."""
    if attrs.get("location") is not None:
        return attrs["location"]
    locations = list(locations_for(serializer.context["request"].user)[:2])
    if len(locations) == 1:
        return locations[0]
    if not locations:
        raise serializers.ValidationError({"location": "You are not a member of any location."})
    raise serializers.ValidationError({"location": "This field is required: you belong to several locations."})


def check_same_location(location: Location, **related: Model | list[Model] | None) -> None:
    """Raise a field error for every related record that lives in another location."""
    errors = {}
    for field, value in related.items():
        records = value if isinstance(value, list) else [value]
        for record in records:
            if record is not None and record.location_id != location.pk:
                errors[field] = f"{record._meta.verbose_name.capitalize()} {record.pk} belongs to another location."
    if errors:
        raise serializers.ValidationError(errors)


def require_membership(user, location: Location) -> Membership:
    membership = membership_for(user, location)
    if membership is None:
        raise serializers.ValidationError({"location": "Not one of your locations."})
    return membership


class LocationOutputSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Location
        fields = ["id", "name", "slug", "timezone", "role"]

    def get_role(self, location) -> str:
        return self.context["roles"].get(location.pk, "")


class MembershipOutputSerializer(serializers.ModelSerializer):
    location_name = serializers.CharField(source="location.name")

    class Meta:
        model = Membership
        fields = ["location", "location_name", "role"]


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField(help_text="An email address, or empty")
    is_superuser = serializers.BooleanField()
    memberships = MembershipOutputSerializer(many=True)
