"""The bulk bar's filter_query resolves, through the same selector, to exactly the rows counted."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from leads.forms import LeadFilterForm
from leads.models import Stage
from leads.selectors import LEADS_PER_PAGE, leads_matching
from tests import factories
from tickets.forms import TicketFilterForm
from tickets.models import Priority
from tickets.selectors import tickets_matching


def filter_query(html: str) -> str:
    return re.search(r'name="filter_query" value="([^"]*)"', html).group(1).replace("&amp;", "&")


def test_lead_filter_query_resolves_to_the_matching_leads(location, other_location, admin_user, client_for):
    for _ in range(LEADS_PER_PAGE + 2):
        factories.make_lead(location, stage=Stage.QUALIFIED, score=70)
    factories.make_lead(location, stage=Stage.QUALIFIED, score=20)
    factories.make_lead(other_location, stage=Stage.QUALIFIED, score=70)
    html = client_for(admin_user).get(reverse("leads:list") + "?stage=qualified&score_min=60&q=").content.decode()

    query = filter_query(html)
    filters = LeadFilterForm.parse_query(query, location=location)

    assert query == "stage=qualified&score_min=60"
    assert leads_matching(location=location, filters=filters).count() == LEADS_PER_PAGE + 2


def test_invalid_lead_filter_query_is_refused(location, other_location):
    foreign_tag = factories.make_tag(other_location)
    with pytest.raises(ValidationError):
        LeadFilterForm.parse_query(f"tag={foreign_tag.pk}", location=location)
    with pytest.raises(ValidationError):
        LeadFilterForm.parse_query("score_min=101", location=location)


def test_ticket_filter_query_resolves_to_the_matching_live_tickets(location, admin_user, client_for):
    for n in range(LEADS_PER_PAGE + 1):
        factories.make_ticket(location, priority=Priority.HIGH, subject=f"Broken {n}")
    factories.make_ticket(location, priority=Priority.HIGH, is_deleted=True)
    factories.make_ticket(location, priority=Priority.LOW)
    html = client_for(admin_user).get(reverse("tickets:list") + "?priority=high").content.decode()

    filters = TicketFilterForm.parse_query(filter_query(html), location=location)

    assert tickets_matching(location=location, filters=filters).count() == LEADS_PER_PAGE + 1
    assert f"Select all {LEADS_PER_PAGE + 1} matching this filter" in " ".join(html.split())
