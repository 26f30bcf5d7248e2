"""Deterministic, realistic demo records (leads, tickets, comments) for `seed_demo`.

Everything comes from a seeded random.Random, so the same command gives the same data.
Row generators yield plain tuples in LEAD_COLUMNS order so they feed COPY and bulk_create alike.
"""

import bisect
import functools
import itertools
import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import phonenumbers

FIRST_NAMES = (  # noqa: SIM905 - a word list reads better as text
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph "
    "Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra Mark Margaret "
    "Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa "
    "George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey Cynthia Ryan Dorothy Jacob "
    "Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Emma Stephen Brenda Larry Pamela Justin Nicole Scott "
    "Anna Brandon Samantha Benjamin Katherine Samuel Christine Gregory Debra Alexander Rachel Patrick Carolyn Frank "
    "Janet Raymond Maria Jack Olivia Dennis Heather Jerry Helen Tyler Catherine Aaron Diane Jose Julie Adam Victoria "
    "Nathan Joyce Henry Lauren Zachary Kelly Priya Wei Mohammed Aisha Diego Sofia Hiroshi Yuki Oluwaseun Ngozi"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson "
    "Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell "
    "Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris "
    "Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward "
    "Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel "
    "Myers Long Ross Foster Jimenez Okafor Tanaka Chen Singh Kowalski Novak Schmidt Rossi Dubois"
).split()
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "proton.me", "aol.com")
AREAS = (
    "Downtown",
    "Midtown",
    "Uptown",
    "Riverside",
    "Lakeview",
    "Hillcrest",
    "Brookside",
    "Oak Park",
    "Maple Heights",
    "Westfield",
    "Eastgate",
    "Harbor Point",
    "Cedar Grove",
    "Pine Valley",
    "Sunset Ridge",
    "Old Town",
    "Financial District",
    "University District",
    "Northshore",
    "South End",
    "Willow Creek",
    "Fairview",
    "Greenwood",
    "Highland Park",
)
SOURCES = ("website", "zillow", "referral", "open_house", "facebook", "google_ads", "walk_in", "realtor.com")
SOURCE_WEIGHTS = (30, 18, 14, 8, 10, 10, 3, 7)
STAGES = ("new", "contacted", "qualified", "proposal", "negotiation", "won", "lost")
STAGE_WEIGHTS = (30, 24, 15, 9, 5, 7, 10)
TIMELINES = ("immediate", "1-3_months", "3-6_months", "6+_months", "unknown")
TIMELINE_WEIGHTS = (12, 28, 25, 15, 20)
# Real US area codes; exchanges are drawn per code and every prefix is checked with phonenumbers.
AREA_CODES = (
    212, 213, 214, 206, 303, 305, 310, 312, 404, 415, 469, 480, 503, 512, 602, 617,
    619, 646, 650, 678, 702, 713, 718, 720, 773, 786, 813, 818, 858, 917, 919, 954,
)  # fmt: skip
EXCHANGES_PER_AREA_CODE = 40

TEAMS = ("Sales East", "Sales West", "Support")
DEMO_TAGS = (
    ("vip", "#dc2626"),
    ("first-time-buyer", "#2563eb"),
    ("investor", "#16a34a"),
    ("relocating", "#9333ea"),
    ("pre-approved", "#0891b2"),
    ("cash-buyer", "#ca8a04"),
    ("follow-up", "#ea580c"),
    ("luxury", "#be185d"),
)

TICKET_STATUSES = ("open", "pending", "resolved", "closed")
TICKET_STATUS_WEIGHTS = (35, 20, 30, 15)
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_WEIGHTS = (20, 50, 22, 8)
TICKET_TOPICS = (
    ("account", "Can't log in to the client portal", "I reset my password twice and still get 'invalid credentials'."),
    ("account", "Please update my email address", "I changed jobs; please use my personal address from now on."),
    ("billing", "Charged twice for the listing upgrade", "My card statement shows two identical charges this month."),
    ("billing", "Request for an invoice copy", "Our accountant needs a PDF copy of last quarter's invoice."),
    ("billing", "Refund for cancelled showing package", "We cancelled within the trial period and expect a refund."),
    ("technical", "Saved searches stopped sending alerts", "I have not received a single new-listing alert in a week."),
    ("technical", "Photos fail to upload on listing", "Uploading JPGs over 5 MB ends with a spinner that never stops."),
    ("technical", "Mortgage calculator shows wrong rate", "The calculator uses 3.2% while the page says 6.8%."),
    ("general", "Question about the offer process", "How long does the seller usually take to answer an offer?"),
    ("general", "Schedule a call with my agent", "I'd like a call this week to discuss the neighbourhood."),
    ("general", "Open house times for Saturday", "Which properties in my saved list have open houses this weekend?"),
    ("feature_request", "Export favourites to PDF", "It would help to print my favourite listings for my partner."),
    ("feature_request", "Filter listings by school district", "Please add a school-district filter to the search."),
)
COMMENT_BODIES = (
    "Thanks for reaching out, I'm looking into this now.",
    "Could you send a screenshot of what you see?",
    "I've escalated this to the technical team.",
    "This should be fixed now; please let us know if it happens again.",
    "Following up: did the last change solve it for you?",
    "Customer confirmed by phone that everything works.",
    "Refund issued; it can take 5 to 10 business days to appear.",
    "Waiting on the customer's reply.",
)

LEAD_COLUMNS = (
    "id",
    "location_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "budget",
    "area",
    "source",
    "timeline",
    "stage",
    "score",
    "classification",
    "owner_id",
    "team_id",
    "do_not_contact",
    "last_contacted_at",
    "created_at",
    "updated_at",
    "notes",
)


@functools.cache
def valid_phone_prefixes() -> tuple[str, ...]:
    """'+1AAAEEE' prefixes for which every 4-digit line number gives a valid US number."""
    rng = random.Random("demo-phone-prefixes")
    prefixes = []
    for area_code in AREA_CODES:
        exchanges = [e for e in range(200, 1000) if e % 100 != 11 and e != 555]
        for exchange in rng.sample(exchanges, EXCHANGES_PER_AREA_CODE):
            prefix = f"+1{area_code}{exchange}"
            if all(phonenumbers.is_valid_number(phonenumbers.parse(prefix + line)) for line in ("0000", "9999")):
                prefixes.append(prefix)
    return tuple(prefixes)


class WeightedChoice:
    """A fast weighted pick from a fixed table (random.choices does more work per call)."""

    def __init__(self, values: Sequence, weights: Sequence[int]):
        self.values = tuple(values)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def classification_for(score: int | None) -> str:
    if score is None:
        return ""
    return "hot" if score >= 70 else "warm" if score >= 40 else "cold"


_stage = WeightedChoice(STAGES, STAGE_WEIGHTS)
_source = WeightedChoice(SOURCES, SOURCE_WEIGHTS)
_timeline = WeightedChoice(TIMELINES, TIMELINE_WEIGHTS)
_STAGE_SCORE_BASE = {
    "new": 20,
    "contacted": 30,
    "qualified": 45,
    "proposal": 55,
    "negotiation": 65,
    "won": 75,
    "lost": 5,
}


def lead_rows(
    *,
    ids: Sequence[int | None],
    location_id: int,
    owners: Sequence[tuple[int, int | None]],
    seed: str,
    created_from: datetime,
    created_to: datetime,
) -> Iterator[tuple]:
    """One row per id (None: let the database number it); owners are (agent_id, team_id) pairs.

    created_at rises with the rows from created_from to created_to, as ids do: later leads are newer
    (which also keeps the created_at indexes appending instead of splitting pages at random).
    """
    rng = random.Random(seed)
    prefixes = valid_phone_prefixes()
    first_names, last_names, areas = FIRST_NAMES, LAST_NAMES, AREAS
    step = (created_to - created_from) / max(len(ids), 1)
    for position, lead_id in enumerate(ids):
        first = first_names[int(rng.random() * len(first_names))]
        last = last_names[int(rng.random() * len(last_names))]
        r = rng.random()
        email = f"{first.lower()}.{last.lower()}{int(r * 10000)}@{EMAIL_DOMAINS[int(r * 7919) % 7]}" if r < 0.95 else ""
        phone = f"{prefixes[int(rng.random() * len(prefixes))]}{int(rng.random() * 10000):04d}"
        stage = _stage(rng)
        unscored = rng.random() < 0.1
        score = None if unscored else min(100, max(0, _STAGE_SCORE_BASE[stage] + int(rng.gauss(0, 18))))
        budget = None if rng.random() < 0.1 else 5000 * int(30 + rng.expovariate(1 / 60))
        if owners and rng.random() < 0.8:
            owner_id, team_id = owners[int(rng.random() * len(owners))]
        else:
            owner_id, team_id = None, None
        created_at = created_from + step * position
        contacted = None
        if stage != "new":
            contacted = created_at + (created_to - created_at) * rng.random()
        yield (
            lead_id,
            location_id,
            first,
            last,
            email,
            phone,
            budget,
            areas[int(rng.random() * len(areas))],
            _source(rng),
            _timeline(rng),
            stage,
            score,
            classification_for(score),
            owner_id,
            team_id,
            rng.random() < 0.03,
            contacted,
            created_at,
            contacted or created_at,
            "",
        )


def lead_tag_pairs(lead_ids: Sequence[int], tag_ids: Sequence[int], *, seed: str) -> Iterator[tuple[int, int]]:
    """About 0.7 tags per lead, never the same tag twice on one lead."""
    if not tag_ids:
        return
    rng = random.Random(seed)
    for lead_id in lead_ids:
        r = rng.random()
        count = 0 if r < 0.5 else 1 if r < 0.8 else 2
        yield from ((lead_id, tag_id) for tag_id in rng.sample(tag_ids, min(count, len(tag_ids))))


_ticket_status = WeightedChoice(TICKET_STATUSES, TICKET_STATUS_WEIGHTS)
_priority = WeightedChoice(PRIORITIES, PRIORITY_WEIGHTS)


def ticket_fields(*, numbers: Sequence[int], agent_ids: Sequence[int], seed: str, now: datetime) -> Iterator[dict]:
    rng = random.Random(seed)
    for number in numbers:
        category, subject, description = rng.choice(TICKET_TOPICS)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        created_at = now - timedelta(seconds=int(rng.random() * 120 * 24 * 3600))
        yield {
            "number": number,
            "subject": subject,
            "description": description,
            "status": _ticket_status(rng),
            "priority": _priority(rng),
            "category": category,
            "assignee_id": rng.choice(agent_ids) if agent_ids and rng.random() < 0.75 else None,
            "requester_name": f"{first} {last}",
            "requester_email": f"{first.lower()}.{last.lower()}@{rng.choice(EMAIL_DOMAINS)}",
            "created_at": created_at,
            "updated_at": created_at + timedelta(seconds=int(rng.random() * (now - created_at).total_seconds())),
        }


def comment_bodies(*, seed: str) -> Iterator[list[str]]:
    """For each ticket in turn, 0 to 3 comment bodies."""
    rng = random.Random(seed)
    while True:
        yield [rng.choice(COMMENT_BODIES) for _ in range(rng.choice((0, 1, 1, 2, 2, 3)))]
