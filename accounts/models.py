from django.conf import settings
from django.db import models


class Location(models.Model):
    """A tenant: every record belongs to exactly one location."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    AGENT = "agent", "Agent"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "location"], name="unique_membership")]
        ordering = ["location__name"]

    def __str__(self):
        return f"{self.user} @ {self.location} ({self.role})"

    @property
    def is_manager(self) -> bool:
        """Admins and managers act on every record of their location."""
        return self.role in (Role.ADMIN, Role.MANAGER)


class Team(models.Model):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="unique_team_name")]
        ordering = ["name"]

    def __str__(self):
        return self.name
