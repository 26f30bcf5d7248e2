"""The dialer benchmark runs end to end with tiny numbers, so that it cannot rot."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from campaigns.models import Campaign


@pytest.mark.workers
@pytest.mark.postgres
@pytest.mark.timeout(300)
@pytest.mark.django_db(transaction=True)
def test_bench_dialer_dials_every_contact_once_and_cleans_up():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    out = io.StringIO()
    call_command("bench_dialer", contacts=40, campaigns=2, workers=1, pacing_seconds=1, timeout=200, stdout=out)
    text = out.getvalue()
    assert "campaign states: {'completed': 2}" in text, text
    assert "total attempts: 40" in text
    assert "(contact, attempt) duplicates: 0" in text
    assert "calls placed outside the callee's window: 0" in text
    assert not Campaign.objects.exists()
