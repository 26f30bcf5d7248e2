import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0005_agent_moved_to_agents"),
    ]

    operations = [
        migrations.CreateModel(
            name="InboundSMS",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("message_sid", models.CharField(max_length=64, unique=True)),
                ("from_number", models.CharField(max_length=32)),
                ("to_number", models.CharField(max_length=32)),
                ("body", models.TextField(blank=True, max_length=1600)),
                (
                    "keyword",
                    models.CharField(blank=True, help_text="STOP, START, … when the body is one", max_length=16),
                ),
                ("received_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "verbose_name": "inbound SMS",
                "verbose_name_plural": "inbound SMS",
                "ordering": ["-received_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="message",
            name="send_after",
            field=models.DateTimeField(
                blank=True,
                help_text="Held until then: outside the lead's local hours when it was queued",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="delivery_status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("queued", "Queued"),
                    ("sending", "Sending"),
                    ("sent", "Sent to carrier"),
                    ("delivered", "Delivered"),
                    ("undelivered", "Undelivered"),
                    ("failed", "Failed"),
                ],
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="delivery_error",
            field=models.CharField(blank=True, help_text="The carrier's error code, if any", max_length=200),
        ),
        migrations.AddField(
            model_name="message",
            name="delivery_updated_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="ConsentChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("do_not_contact", models.BooleanField(help_text="The flag's value after the change")),
                ("reason", models.CharField(max_length=200)),
                ("changed_at", models.DateTimeField(auto_now_add=True)),
                (
                    "inbound",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="changes",
                        to="leads.inboundsms",
                    ),
                ),
                (
                    "lead",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="consent_changes", to="leads.lead"
                    ),
                ),
            ],
            options={"ordering": ["-changed_at", "-id"]},
        ),
    ]
