"""On PostgreSQL the lists' free-text search is answered by trigram indexes, not a scan of every row."""

import pytest
from django.db import connection, transaction

from leads.models import Lead
from leads.selectors import search_condition as lead_search
from tickets.models import Ticket
from tickets.selectors import search_condition as ticket_search

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only"),
]


def plan(queryset) -> str:
    """EXPLAIN of the query Django writes, with sequential scans priced out of the planner's reach."""
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_lead_search_words_are_looked_up_in_each_fields_trigram_index():
    text = plan(Lead.objects.filter(lead_search("lopez 555")))

    for column in ("first_name", "last_name", "email", "phone"):
        assert f"leads_lead_{column}_trgm" in text, text
    assert "Seq Scan" not in text


def test_ticket_search_words_are_looked_up_in_each_fields_trigram_index():
    text = plan(Ticket.objects.filter(ticket_search("printer")))

    for column in ("subject", "requester_name", "requester_email"):
        assert f"tickets_ticket_{column}_trgm" in text, text
    assert "Seq Scan" not in text
