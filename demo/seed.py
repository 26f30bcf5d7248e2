"""Writes the demo tenants, users, agents, tags, leads and tickets; idempotent, topping up to counts.

Leads go in with COPY on PostgreSQL (ids reserved from the table's sequence first, so tags can be
linked in the same pass) and with batched bulk_create elsewhere.
"""

import time
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Location, Membership, Role, Team
from agents.models import Agent, Availability
from demo import data as demo_data
from leads.models import Lead, Tag
from leads.starter_templates import add_starter_templates
from tickets.models import Comment, Ticket

BATCH_SIZE = 5_000
COPY_CHUNK = 50_000
OTHER_CO_LEADS = 25
OTHER_CO_TICKETS = 10
HISTORY = timedelta(days=365)
ANALYZE_AFTER = 10_000
# A load at least this big (and at least doubling the table) rebuilds the lead indexes once.
REBUILD_INDEXES_FROM = 100_000
MANAGER_APPS = ("accounts", "leads", "tickets", "operations", "campaigns")


@dataclass
class SeedReport:
    leads_created: int = 0
    tickets_created: int = 0
    comments_created: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def seed_demo(
    *, leads: int, tickets: int, agents: int, password: str, log: Callable[[str], None] = print
) -> SeedReport:
    report = SeedReport()
    started = time.monotonic()
    password_hash = make_password(password)
    with transaction.atomic():
        demo, other = _locations()
        users = _users(demo=demo, other=other, agents=agents, password_hash=password_hash)
        teams = {name: Team.objects.get_or_create(location=demo, name=name)[0] for name in demo_data.TEAMS}
        demo_agents = _agents(demo=demo, teams=teams, agent_users=users["agents"])
        other_agent, _ = Agent.objects.get_or_create(location=other, user=users["outsider"])
        demo_tags = _tags(demo, demo_data.DEMO_TAGS)
        other_tags = _tags(other, demo_data.DEMO_TAGS[:2])
        for location in (demo, other):
            add_starter_templates(location)
    report.seconds["setup"] = time.monotonic() - started

    started = time.monotonic()
    in_support = {agent.pk for agent in demo_agents if agent.team is not None and agent.team.name == "Support"}
    owners = [(agent.pk, agent.team_id) for agent in demo_agents if agent.pk not in in_support]
    report.leads_created += _top_up_leads(demo, leads, owners, [t.pk for t in demo_tags], log)
    report.leads_created += _top_up_leads(
        other, OTHER_CO_LEADS, [(other_agent.pk, None)], [t.pk for t in other_tags], log
    )
    report.seconds["leads"] = time.monotonic() - started

    started = time.monotonic()
    support = [agent for agent in demo_agents if agent.pk in in_support] or demo_agents
    for location, count, ticket_agents, author_ids in (
        (demo, tickets, support, [users["manager"].pk]),
        (other, OTHER_CO_TICKETS, [other_agent], [users["outsider"].pk]),
    ):
        created, comments = _top_up_tickets(location, count, ticket_agents, author_ids)
        report.tickets_created += created
        report.comments_created += comments
    report.seconds["tickets"] = time.monotonic() - started
    return report


def _locations() -> tuple[Location, Location]:
    demo, _ = Location.objects.get_or_create(
        slug="demo-realty", defaults={"name": "Demo Realty", "timezone": "America/New_York"}
    )
    other, _ = Location.objects.get_or_create(
        slug="other-co", defaults={"name": "Other Co", "timezone": "Europe/London"}
    )
    return demo, other


def _user(username: str, password_hash: str, **fields):
    User = get_user_model()
    user, _ = User.objects.update_or_create(username=username, defaults={"password": password_hash, **fields})
    return user


def _member(user, location: Location, role: str) -> None:
    Membership.objects.update_or_create(user=user, location=location, defaults={"role": role})


def _users(*, demo: Location, other: Location, agents: int, password_hash: str) -> dict:
    admin = _user(
        "admin", password_hash, is_superuser=True, is_staff=True, first_name="Avery", last_name="Admin",
        email="admin@demo-realty.example",
    )  # fmt: skip
    manager = _user(
        "manager", password_hash, is_staff=True, first_name="Morgan", last_name="Manager",
        email="manager@demo-realty.example",
    )  # fmt: skip
    manager.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=MANAGER_APPS))
    outsider = _user(
        "outsider", password_hash, first_name="Oscar", last_name="Outsider", email="oscar@other-co.example"
    )
    _member(admin, demo, Role.ADMIN)
    _member(manager, demo, Role.MANAGER)
    _member(outsider, other, Role.ADMIN)
    agent_users = []
    for n in range(1, agents + 1):
        first = demo_data.FIRST_NAMES[(n * 7) % len(demo_data.FIRST_NAMES)]
        last = demo_data.LAST_NAMES[(n * 11) % len(demo_data.LAST_NAMES)]
        user = _user(
            f"agent{n}", password_hash, first_name=first, last_name=last, email=f"agent{n}@demo-realty.example"
        )
        _member(user, demo, Role.AGENT)
        agent_users.append(user)
    return {"admin": admin, "manager": manager, "outsider": outsider, "agents": agent_users}


def _agents(*, demo: Location, teams: dict[str, Team], agent_users: list) -> list[Agent]:
    availability = [Availability.AVAILABLE] * 3 + [Availability.BUSY, Availability.AWAY]
    for n, user in enumerate(agent_users, start=1):
        Agent.objects.get_or_create(
            location=demo,
            user=user,
            defaults={
                "team": teams[demo_data.TEAMS[(n - 1) % len(demo_data.TEAMS)]],
                "max_capacity": 20 + 10 * (n % 5),
                "availability": availability[n % len(availability)],
            },
        )
    return list(Agent.objects.filter(location=demo).select_related("team", "user").order_by("pk"))


def _tags(location: Location, tags) -> list[Tag]:
    return [
        Tag.objects.get_or_create(location=location, name=name, defaults={"color": color})[0] for name, color in tags
    ]


def _top_up_leads(location: Location, target: int, owners, tag_ids: list[int], log) -> int:
    existing = Lead.objects.filter(location=location).count()
    missing = max(0, target - existing)
    if not missing:
        return 0
    # New leads are spread over the last year, after any lead already there.
    now = timezone.now()
    latest = Lead.objects.filter(location=location).aggregate(latest=Max("created_at"))["latest"]
    start = max(latest or now - HISTORY, now - HISTORY)
    per_lead = (now - start) / missing
    done = 0
    postgres = connection.vendor == "postgresql"
    chunk = COPY_CHUNK if postgres else BATCH_SIZE
    rebuild = postgres and missing >= REBUILD_INDEXES_FROM and missing >= existing
    tables = [Lead._meta.db_table, Lead.tags.through._meta.db_table]
    with transaction.atomic(), _secondary_indexes_dropped(tables, log) if rebuild else nullcontext():
        while done < missing:
            size = min(chunk, missing - done)
            window = {
                "seed": f"leads-{location.slug}-{existing + done}",
                "created_from": start + per_lead * done,
                "created_to": start + per_lead * (done + size),
            }
            if postgres:
                _copy_leads(location, size, owners, tag_ids, **window)
            else:
                _bulk_create_leads(location, size, owners, tag_ids, **window)
            done += size
            if missing >= 100_000:
                log(f"  {location.name}: {existing + done:,} / {target:,} leads")
    if connection.vendor == "postgresql" and missing >= ANALYZE_AFTER:
        # Fresh statistics now, so the planner picks the lead indexes before autovacuum gets to it.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Lead._meta.db_table}, {Lead.tags.through._meta.db_table}")
    return missing


@contextmanager
def _secondary_indexes_dropped(tables: list[str], log):
    """Drop the plain (non-unique, non-constraint) indexes of tables, and rebuild them at the end.

    For a big load one sort per index is far cheaper than a million random index inserts. It
    runs inside the caller's transaction: a failure restores the indexes, and other sessions
    wait for these tables until it commits, which is fine for demo data.
    """
    definitions = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                """
                SELECT index_class.relname, pg_get_indexdef(idx.indexrelid)
                FROM pg_index idx JOIN pg_class index_class ON index_class.oid = idx.indexrelid
                WHERE idx.indrelid = %s::regclass AND NOT idx.indisunique AND NOT idx.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = idx.indexrelid)
                """,
                [table],
            )
            definitions.extend(cursor.fetchall())
        for name, _definition in definitions:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    started = time.monotonic()
    with connection.cursor() as cursor:
        # Run the deferred foreign-key checks of the loaded rows now: CREATE INDEX refuses to
        # run on a table with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        checked = time.monotonic()
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in definitions:
            cursor.execute(definition)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    log(
        f"  foreign keys checked in {checked - started:.1f}s, "
        f"{len(definitions)} indexes rebuilt in {time.monotonic() - checked:.1f}s"
    )


def _copy_leads(location: Location, size: int, owners, tag_ids, *, seed: str, **window) -> None:
    table = Lead._meta.db_table
    through = Lead.tags.through._meta.db_table
    with connection.cursor() as cursor:
        # Demo data: a crash may lose the last chunk, which the next run tops up again.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, size])
        ids = [row[0] for row in cursor.fetchall()]
        rows = demo_data.lead_rows(ids=ids, location_id=location.pk, owners=owners, seed=seed, **window)
        columns = ", ".join(demo_data.LEAD_COLUMNS)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        with cursor.cursor.copy(f"COPY {through} (lead_id, tag_id) FROM STDIN") as copy:
            for pair in demo_data.lead_tag_pairs(ids, tag_ids, seed=seed):
                copy.write_row(pair)


def _bulk_create_leads(location: Location, size: int, owners, tag_ids, *, seed: str, **window) -> None:
    names = demo_data.LEAD_COLUMNS[1:]
    rows = demo_data.lead_rows(ids=[None] * size, location_id=location.pk, owners=owners, seed=seed, **window)
    leads = [Lead(**dict(zip(names, row[1:], strict=True))) for row in rows]
    stamps = [(lead.created_at, lead.updated_at) for lead in leads]
    Lead.objects.bulk_create(leads, batch_size=BATCH_SIZE)
    # auto_now_add/auto_now overwrote the generated timestamps; bulk_update writes them as given.
    for lead, (created_at, updated_at) in zip(leads, stamps, strict=True):
        lead.created_at, lead.updated_at = created_at, updated_at
    Lead.objects.bulk_update(leads, ["created_at", "updated_at"], batch_size=BATCH_SIZE)
    Through = Lead.tags.through
    pairs = demo_data.lead_tag_pairs([lead.pk for lead in leads], tag_ids, seed=seed)
    Through.objects.bulk_create(
        [Through(lead_id=lead_id, tag_id=tag_id) for lead_id, tag_id in pairs], batch_size=BATCH_SIZE
    )


def _top_up_tickets(location: Location, target: int, agents: list[Agent], author_ids: list[int]) -> tuple[int, int]:
    existing = Ticket.objects.filter(location=location).count()
    missing = max(0, target - existing)
    if not missing:
        return 0, 0
    now = timezone.now()
    comments = 0
    with transaction.atomic():
        first = (Ticket.objects.filter(location=location).aggregate(last=Max("number"))["last"] or 0) + 1
        fields = demo_data.ticket_fields(
            numbers=range(first, first + missing),
            agent_ids=[a.pk for a in agents],
            seed=f"tickets-{location.slug}-{existing}",
            now=now,
        )
        tickets = [Ticket(location=location, **values) for values in fields]
        stamps = [(t.created_at, t.updated_at) for t in tickets]
        Ticket.objects.bulk_create(tickets, batch_size=BATCH_SIZE)
        for ticket, (created_at, updated_at) in zip(tickets, stamps, strict=True):
            ticket.created_at, ticket.updated_at = created_at, updated_at
        Ticket.objects.bulk_update(tickets, ["created_at", "updated_at"], batch_size=BATCH_SIZE)

        user_of_agent = {a.pk: a.user_id for a in agents}
        new_comments = []
        bodies_per_ticket = demo_data.comment_bodies(seed=f"comments-{location.slug}-{existing}")
        for ticket, bodies in zip(tickets, bodies_per_ticket, strict=False):
            author = user_of_agent.get(ticket.assignee_id) or author_ids[0]
            gap = (ticket.updated_at - ticket.created_at) / (len(bodies) + 1)
            for n, body in enumerate(bodies, start=1):
                new_comments.append(
                    Comment(ticket=ticket, author_id=author, body=body, created_at=ticket.created_at + gap * n)
                )
        stamps = [comment.created_at for comment in new_comments]
        Comment.objects.bulk_create(new_comments, batch_size=BATCH_SIZE)
        # Comments fall between the ticket's creation and its last update (auto_now_add overwrote them).
        for comment, created_at in zip(new_comments, stamps, strict=True):
            comment.created_at = created_at
        Comment.objects.bulk_update(new_comments, ["created_at"], batch_size=BATCH_SIZE)
        comments = len(new_comments)
    return missing, comments
