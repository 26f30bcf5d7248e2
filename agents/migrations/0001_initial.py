"""Agent and RoundRobinPointer move here from accounts, state only: their tables keep their names."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_roundrobinpointer"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Agent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        (
                            "max_capacity",
                            models.PositiveIntegerField(
                                default=50, validators=[django.core.validators.MinValueValidator(0)]
                            ),
                        ),
                        (
                            "availability",
                            models.CharField(
                                choices=[
                                    ("available", "Available"),
                                    ("busy", "Busy"),
                                    ("away", "Away"),
                                    ("offline", "Offline"),
                                ],
                                default="available",
                                max_length=16,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "location",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="agents",
                                to="accounts.location",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="agents",
                                to="accounts.team",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="agents",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_agent",
                        "ordering": ["user__username"],
                        "constraints": [
                            models.UniqueConstraint(fields=("location", "user"), name="unique_agent_per_location")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="RoundRobinPointer",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("scope", models.CharField(max_length=64)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "last_agent",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="agents.agent",
                            ),
                        ),
                        (
                            "location",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="accounts.location",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "accounts_roundrobinpointer",
                        "constraints": [
                            models.UniqueConstraint(fields=("location", "scope"), name="unique_round_robin_scope")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
