from django.db import migrations

from accounts.search_indexes import AddSearchTrigramIndexes


class Migration(migrations.Migration):
    atomic = False  # The indexes are built CONCURRENTLY.

    dependencies = [("leads", "0003_outbox_schedule")]

    operations = [AddSearchTrigramIndexes("lead", ["first_name", "last_name", "email", "phone"])]
