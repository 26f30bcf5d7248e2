from django.db import migrations

from accounts.search_indexes import AddSearchTrigramIndexes


class Migration(migrations.Migration):
    atomic = False  # The indexes are built CONCURRENTLY.

    dependencies = [("tickets", "0002_ticketassignment")]

    operations = [AddSearchTrigramIndexes("ticket", ["subject", "requester_name", "requester_email"])]
