"""seed_demo: idempotent top-ups, realistic and valid data, and the outsider's isolation."""

from io import StringIO

import phonenumbers
import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from accounts.models import Location, Membership, Role, Team
from agents.models import Agent
from leads.models import Lead, Tag
from tickets.models import Comment, Ticket


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return seed(leads=60, tickets=30, agents=4, password="s3cret-demo")


def test_creates_the_demo_tenants_users_and_counts(seeded):
    demo = Location.objects.get(name="Demo Realty")
    other = Location.objects.get(name="Other Co")
    assert Lead.objects.filter(location=demo).count() == 60
    assert Ticket.objects.filter(location=demo).count() == 30
    assert Comment.objects.filter(ticket__location=demo).exists()
    assert sorted(Team.objects.filter(location=demo).values_list("name", flat=True)) == [
        "Sales East",
        "Sales West",
        "Support",
    ]
    agents = Agent.objects.filter(location=demo).select_related("user", "team")
    assert sorted(a.user.username for a in agents) == ["agent1", "agent2", "agent3", "agent4"]
    assert all(a.team is not None and a.max_capacity > 0 for a in agents)
    roles = dict(Membership.objects.filter(location=demo).values_list("user__username", "role"))
    assert roles == {"admin": Role.ADMIN, "manager": Role.MANAGER, **{f"agent{n}": Role.AGENT for n in range(1, 5)}}
    assert get_user_model().objects.get(username="admin").is_superuser
    assert Membership.objects.get(user__username="outsider").location == other
    assert Lead.objects.filter(location=other).exists()
    assert Ticket.objects.filter(location=other).exists()
    assert Tag.objects.filter(location=demo).count() >= 5
    assert "agent1..agent4" in seeded
    assert authenticate(username="agent3", password="s3cret-demo") is not None


def test_second_run_adds_nothing_and_a_bigger_run_tops_up(seeded):
    counts = (Lead.objects.count(), Ticket.objects.count(), Comment.objects.count(), get_user_model().objects.count())
    seed(leads=60, tickets=30, agents=4, password="s3cret-demo")
    assert (
        Lead.objects.count(),
        Ticket.objects.count(),
        Comment.objects.count(),
        get_user_model().objects.count(),
    ) == (counts)
    seed(leads=80, tickets=35, agents=5, password="s3cret-demo")
    demo = Location.objects.get(name="Demo Realty")
    assert Lead.objects.filter(location=demo).count() == 80
    assert Ticket.objects.filter(location=demo).count() == 35
    assert Agent.objects.filter(location=demo).count() == 5
    numbers = list(Ticket.objects.filter(location=demo).order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, 36))
    assert Location.objects.count() == 2


def test_leads_are_realistic_and_valid(seeded):
    leads = list(Lead.objects.filter(location__name="Demo Realty").prefetch_related("tags"))
    for lead in leads:
        assert lead.first_name and lead.last_name
        number = phonenumbers.parse(lead.phone)
        assert phonenumbers.is_valid_number(number), lead.phone
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == lead.phone
        assert lead.budget is None or lead.budget >= 0
        if lead.score is None:
            assert lead.classification == ""
        else:
            expected = "hot" if lead.score >= 70 else "warm" if lead.score >= 40 else "cold"
            assert lead.classification == expected
        lead.full_clean(exclude=["owner", "team", "tags", "last_operation"])
    assert len({lead.stage for lead in leads}) >= 4
    assert any(lead.tags.all() for lead in leads)
    assert any(lead.owner_id for lead in leads)
    assert len({lead.created_at.date() for lead in leads}) > 10


def test_tickets_have_comments_written_after_them(seeded):
    comments = Comment.objects.filter(ticket__location__name="Demo Realty").select_related("ticket")
    assert comments.exists()
    for comment in comments:
        assert comment.ticket.created_at <= comment.created_at <= comment.ticket.updated_at
        assert comment.author is not None


def test_other_co_records_never_reference_demo_realty(seeded):
    other = Location.objects.get(name="Other Co")
    assert not Lead.objects.filter(location=other).exclude(owner__location=other).exclude(owner=None).exists()
    assert not Lead.objects.filter(location=other, tags__location__name="Demo Realty").exists()
    assert not Ticket.objects.filter(location=other).exclude(assignee__location=other).exclude(assignee=None).exists()
    demo_leads = Lead.objects.filter(location__name="Demo Realty")
    assert not demo_leads.exclude(owner__location__name="Demo Realty").exclude(owner=None).exists()
    tickets_per_location = dict(Ticket.objects.values_list("location__name").annotate(n=Count("id")))
    assert tickets_per_location["Demo Realty"] == 30


def test_outsider_sees_none_of_demo_realty_in_the_api(seeded, api_for):
    outsider = get_user_model().objects.get(username="outsider")
    other = Location.objects.get(name="Other Co")
    client = api_for(outsider)
    for kind in ("leads", "tickets", "agents", "tags"):
        rows = client.get(f"/api/v1/{kind}", {"limit": 1000}).json()["results"]
        assert rows, kind
        assert {row["location"] for row in rows} == {other.pk}, kind
    demo_lead = Lead.objects.filter(location__name="Demo Realty").first()
    assert client.get(f"/api/v1/leads/{demo_lead.pk}").status_code == 404


def test_negative_counts_are_refused(db):
    with pytest.raises(CommandError):
        seed(leads=-1)


@pytest.mark.postgres
def test_big_load_on_postgresql_rebuilds_the_same_indexes(db, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the index rebuild is a PostgreSQL path")
    from demo import seed as demo_seed

    def index_definitions() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename IN (%s, %s) ORDER BY 1",
                [Lead._meta.db_table, Lead.tags.through._meta.db_table],
            )
            return [row[0] for row in cursor.fetchall()]

    before = index_definitions()
    monkeypatch.setattr(demo_seed, "REBUILD_INDEXES_FROM", 20)
    output = seed(leads=40, tickets=0, agents=2)
    assert "indexes rebuilt" in output
    assert index_definitions() == before
    assert Lead.objects.filter(location__name="Demo Realty").count() == 40


def test_rerun_copes_with_agents_edited_in_between(seeded):
    Agent.objects.filter(user__username="agent1").update(team=None)
    seed(leads=70, tickets=30, agents=4)
    assert Lead.objects.filter(location__name="Demo Realty").count() == 70
