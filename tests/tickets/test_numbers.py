"""Ticket numbers stay unique and gap-free per location when many requests create tickets at once."""

import threading

import pytest
from django.db import connection

from tickets.models import Ticket
from tickets.serializers import create_ticket_numbered

THREADS = 6
PER_THREAD = 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_get_consecutive_numbers(location):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent transactions)")
    errors = []
    start = threading.Barrier(THREADS)

    def create_some():
        from django.db import connection as thread_connection

        try:
            start.wait()
            for n in range(PER_THREAD):
                create_ticket_numbered(location=location, subject=f"Concurrent {n}")
        except Exception as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=create_some) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(Ticket.objects.filter(location=location).values_list("number", flat=True))
    assert numbers == list(range(1, THREADS * PER_THREAD + 1))
