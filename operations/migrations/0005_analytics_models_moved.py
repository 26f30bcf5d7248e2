# ManualEffortEstimate and OperationErrorCount now belong to the analytics app (analytics 0001),
# which keeps their tables: they leave the operations state only, the tables and rows stay.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("operations", "0004_error_counts_denormalized"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ManualEffortEstimate"),
                migrations.DeleteModel(name="OperationErrorCount"),
            ],
            database_operations=[],
        ),
    ]
