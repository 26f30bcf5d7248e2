import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("campaigns", "0006_agent_moved_to_agents"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="provider_checked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="call",
            name="provider_status",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.CreateModel(
            name="CallingSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "window_start",
                    models.TimeField(
                        default=datetime.time(8, 0), help_text="No call before this, in the callee's time"
                    ),
                ),
                (
                    "window_end",
                    models.TimeField(
                        default=datetime.time(21, 0), help_text="No call from this time on, callee's time"
                    ),
                ),
                (
                    "default_region",
                    models.CharField(
                        default="US",
                        help_text="Region of numbers typed without a country code (ISO 3166, e.g. US)",
                        max_length=2,
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "location",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calling_settings",
                        to="accounts.location",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "calling settings",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("window_start__lt", models.F("window_end"))),
                        name="window_start_before_end",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DoNotCallEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("phone", models.CharField(help_text="E.164", max_length=20)),
                ("reason", models.CharField(blank=True, max_length=500)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "added_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="do_not_call",
                        to="accounts.location",
                    ),
                ),
            ],
            options={
                "verbose_name": "do-not-call number",
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(fields=("location", "phone"), name="unique_do_not_call_number")
                ],
            },
        ),
    ]
