# The analytics models moved here from the operations app. Their tables stay where they are
# (db_table keeps the old names), so this migration changes only Django's state; with
# operations 0005, which drops them from the operations state, no row is copied or lost.
# Their content types move too, so permissions and admin history keep pointing at them.

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ["manualeffortestimate", "operationerrorcount"]


def move_content_types(from_label, to_label):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        taken = set(ContentType.objects.filter(app_label=to_label, model__in=MOVED).values_list("model", flat=True))
        ContentType.objects.filter(app_label=from_label, model__in=set(MOVED) - taken).update(app_label=to_label)

    return move


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("operations", "0004_error_counts_denormalized"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ManualEffortEstimate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("target", models.CharField(help_text="leads, tickets, …", max_length=32)),
                        ("operation_type", models.CharField(max_length=64)),
                        (
                            "seconds_per_item",
                            models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(0)]),
                        ),
                        (
                            "location",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="effort_estimates",
                                to="accounts.location",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "operations_manualeffortestimate",
                        "ordering": ["location", "target", "operation_type"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("location", "target", "operation_type"), name="unique_effort_estimate_per_type"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="OperationErrorCount",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("target", models.CharField(max_length=32)),
                        ("operation_type", models.CharField(max_length=64)),
                        ("operation_created_at", models.DateTimeField()),
                        ("message", models.TextField(blank=True)),
                        ("count", models.PositiveIntegerField()),
                        (
                            "operation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="error_counts",
                                to="operations.bulkoperation",
                            ),
                        ),
                        (
                            "location",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.location"
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "operations_operationerrorcount",
                        "ordering": ["-count"],
                        "indexes": [
                            models.Index(fields=["location", "operation_created_at"], name="op_error_loc_created")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types("operations", "analytics"), move_content_types("analytics", "operations")),
    ]
