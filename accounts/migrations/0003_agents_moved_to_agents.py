"""Agent and RoundRobinPointer now live in the agents app: removed from this app's state only.

Their tables (accounts_agent, accounts_roundrobinpointer) and rows stay; agents.0001 takes them over.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roundrobinpointer"),
        ("agents", "0001_initial"),
        ("campaigns", "0006_agent_moved_to_agents"),
        ("leads", "0005_agent_moved_to_agents"),
        ("tickets", "0004_agent_moved_to_agents"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="RoundRobinPointer"),
                migrations.DeleteModel(name="Agent"),
            ],
            database_operations=[],
        ),
    ]
