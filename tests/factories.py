"""Plain factory functions shared by the tests: each makes one valid record (or file)."""

import io
import itertools

from django.contrib.auth import get_user_model
from openpyxl import Workbook

from accounts.models import Agent, Location, Membership, Role, Team
from leads.models import Lead, Tag
from tickets.models import Ticket

_seq = itertools.count(1)


def make_location(name: str | None = None, **fields) -> Location:
    n = next(_seq)
    name = name or f"Location {n}"
    return Location.objects.create(name=name, slug=fields.pop("slug", f"location-{n}"), **fields)


def make_user(username: str | None = None, *, location: Location | None = None, role: str = Role.AGENT, **fields):
    username = username or f"user{next(_seq)}"
    user = get_user_model().objects.create_user(username=username, password=fields.pop("password", "pw"), **fields)
    if location is not None:
        Membership.objects.create(user=user, location=location, role=role)
    return user


def make_team(location: Location, name: str | None = None) -> Team:
    return Team.objects.create(location=location, name=name or f"Team {next(_seq)}")


def make_agent(location: Location, user=None, **fields) -> Agent:
    user = user or make_user(location=location, role=Role.AGENT)
    return Agent.objects.create(location=location, user=user, **fields)


def make_tag(location: Location, name: str | None = None) -> Tag:
    return Tag.objects.create(location=location, name=name or f"tag{next(_seq)}")


def make_lead(location: Location, **fields) -> Lead:
    n = next(_seq)
    fields.setdefault("first_name", f"Lead{n}")
    fields.setdefault("last_name", "Example")
    fields.setdefault("email", f"lead{n}@example.com")
    return Lead.objects.create(location=location, **fields)


def make_ticket(location: Location, **fields) -> Ticket:
    n = next(_seq)
    fields.setdefault("number", n)
    fields.setdefault("subject", f"Ticket {n}")
    return Ticket.objects.create(location=location, **fields)


def xlsx_bytes(rows) -> bytes:
    """An XLSX workbook whose first sheet holds rows."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
