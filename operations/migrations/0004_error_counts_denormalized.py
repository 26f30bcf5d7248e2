# The error-count rollup carries its operation's location, creator, type and creation time,
# so the analytics read it without joining the operations. The rollup is rebuilt from the items.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BACKFILL_ERROR_COUNTS = """
INSERT INTO operations_operationerrorcount
    (operation_id, location_id, created_by_id, target, operation_type, operation_created_at, message, count)
SELECT operation.id, operation.location_id, operation.created_by_id, operation.target, operation.operation_type,
       operation.created_at, item.error_message, COUNT(*)
FROM operations_bulkoperationitem item
JOIN operations_bulkoperation operation ON operation.id = item.operation_id
WHERE operation.status IN ('completed', 'cancelled', 'failed') AND item.status = 'failed'
GROUP BY operation.id, operation.location_id, operation.created_by_id, operation.target, operation.operation_type,
         operation.created_at, item.error_message
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("operations", "0003_analytics"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.DeleteModel(name="OperationErrorCount"),
        migrations.CreateModel(
            name="OperationErrorCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
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
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["-count"],
                "indexes": [models.Index(fields=["location", "operation_created_at"], name="op_error_loc_created")],
            },
        ),
        migrations.RunSQL(BACKFILL_ERROR_COUNTS, migrations.RunSQL.noop),
    ]
