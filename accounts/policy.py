"""Who may do what: the one policy table that pages, the API and admin all ask.

A role comes from the user's membership of the record's location. A Django superuser acts as
an admin everywhere; other staff only through their memberships. Some actions also allow the
person the object belongs to (``OWN`` below): the creator of an operation or an export, the
agent whose availability it is.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from accounts.models import Location, Role
from accounts.selectors import locations_for, membership_for


class Action(StrEnum):
    OPERATION_CREATE = "operation.create"
    OPERATION_START = "operation.start"
    OPERATION_CANCEL = "operation.cancel"
    OPERATION_RETRY = "operation.retry"
    OPERATION_UNDO = "operation.undo"
    OPERATION_VIEW_ALL = "operation.view_all"
    EXPORT_CREATE = "export.create"
    EXPORT_DOWNLOAD = "export.download"
    IMPORT_LEADS = "lead.import"
    CAMPAIGN_VIEW = "campaign.view"
    CAMPAIGN_CREATE = "campaign.create"
    CAMPAIGN_EDIT = "campaign.edit"
    CAMPAIGN_START = "campaign.start"
    CAMPAIGN_PAUSE = "campaign.pause"
    CAMPAIGN_DELETE = "campaign.delete"
    DO_NOT_CALL_EDIT = "do_not_call.edit"
    ASSIGN = "assign"
    REASSIGN = "reassign"
    CAPACITY_CHANGE = "agent.capacity"
    AVAILABILITY_CHANGE = "agent.availability"
    SCORING_EDIT = "scoring.edit"
    TEMPLATE_EDIT = "template.edit"
    TAG_EDIT = "tag.edit"
    ANALYTICS_VIEW = "analytics.view"
    MEMBERSHIP_EDIT = "membership.edit"
    WEBHOOK_MANAGE = "webhook.manage"


ADMIN, MANAGER, AGENT = Role.ADMIN, Role.MANAGER, Role.AGENT
OWN = "own"
"""Allowed to the object's own person (see ``owner_id``) whatever their role."""

MANAGERS = frozenset({ADMIN, MANAGER})

POLICY: dict[Action, frozenset[str]] = {
    Action.OPERATION_CREATE: frozenset({ADMIN, MANAGER, AGENT}),
    Action.OPERATION_START: frozenset({ADMIN, MANAGER, OWN}),
    Action.OPERATION_CANCEL: frozenset({ADMIN, MANAGER, OWN}),
    Action.OPERATION_RETRY: frozenset({ADMIN, MANAGER, OWN}),
    Action.OPERATION_UNDO: frozenset({ADMIN, MANAGER, OWN}),
    Action.OPERATION_VIEW_ALL: MANAGERS,
    Action.EXPORT_CREATE: frozenset({ADMIN, MANAGER, AGENT}),
    Action.EXPORT_DOWNLOAD: frozenset({ADMIN, MANAGER, OWN}),
    # An import creates leads location-wide and, with on_duplicate=update, rewrites leads an agent
    # may not own: managers' work, as the other location-wide writes (assign, campaigns) are.
    Action.IMPORT_LEADS: MANAGERS,
    Action.CAMPAIGN_VIEW: frozenset({ADMIN, MANAGER, AGENT}),
    Action.CAMPAIGN_CREATE: MANAGERS,
    Action.CAMPAIGN_EDIT: MANAGERS,
    Action.CAMPAIGN_START: MANAGERS,
    Action.CAMPAIGN_PAUSE: MANAGERS,
    Action.CAMPAIGN_DELETE: MANAGERS,
    Action.DO_NOT_CALL_EDIT: MANAGERS,  # every member sees the list; managers add and remove numbers
    Action.ASSIGN: MANAGERS,
    Action.REASSIGN: MANAGERS,
    Action.CAPACITY_CHANGE: MANAGERS,
    Action.AVAILABILITY_CHANGE: frozenset({ADMIN, MANAGER, OWN}),
    Action.SCORING_EDIT: MANAGERS,
    Action.TEMPLATE_EDIT: MANAGERS,
    Action.TAG_EDIT: MANAGERS,
    Action.ANALYTICS_VIEW: MANAGERS,
    Action.MEMBERSHIP_EDIT: frozenset({ADMIN}),  # who belongs to a location, with which role
    Action.WEBHOOK_MANAGE: MANAGERS,  # see, add, change, delete webhooks and their deliveries
}

REFUSALS: dict[Action, str] = {
    Action.OPERATION_START: "Only its creator, managers and admins may start this operation.",
    Action.OPERATION_CANCEL: "Only its creator, managers and admins may cancel this operation.",
    Action.OPERATION_RETRY: "Only its creator, managers and admins may retry this operation.",
    Action.OPERATION_UNDO: "Only its creator, managers and admins may undo this operation.",
    Action.EXPORT_DOWNLOAD: "Only the person who made this export, managers and admins may download it.",
    Action.AVAILABILITY_CHANGE: "Only managers and admins change another agent's availability.",
}


def role_of(user, location: Location | int | None) -> str | None:
    """The user's role in a location, or None when they are no member of it."""
    if user is None or not user.is_authenticated or location is None:
        return None
    if user.is_superuser:
        return ADMIN
    if isinstance(location, int):
        location = Location(pk=location)
    membership = membership_for(user, location)
    return membership.role if membership else None


def allows(user, action: Action, location, *, owner_id: int | None = None) -> bool:
    """May ``user`` do ``action`` in ``location``; ``owner_id`` is the user the object belongs to."""
    role = role_of(user, location)
    if role is None:
        return False
    granted = POLICY[Action(action)]
    return role in granted or (OWN in granted and owner_id is not None and owner_id == user.pk)


def require(user, action: Action, location, *, owner_id: int | None = None) -> None:
    """Raise Django's PermissionDenied (a 403 on pages and in the API) unless allowed."""
    if not allows(user, action, location, owner_id=owner_id):
        raise PermissionDenied(refusal(Action(action)))


def locations_where(user, action: Action):
    """The locations where the user's role grants ``action`` to all its objects (``OWN`` aside)."""
    if user is None or not user.is_authenticated:
        return Location.objects.none()
    if user.is_superuser:
        return locations_for(user) if ADMIN in POLICY[action] else Location.objects.none()
    roles = [role for role in POLICY[action] if role != OWN]
    return Location.objects.filter(memberships__user=user, memberships__role__in=roles)


def refusal(action: Action) -> str:
    if action in REFUSALS:
        return REFUSALS[action]
    roles = sorted(role for role in POLICY[action] if role != OWN)
    names = {ADMIN: "admins", MANAGER: "managers", AGENT: "agents"}
    who = " and ".join(names[role] for role in roles)
    return f"Only {who} may do this ({action.value})." if who else "Nobody may do this."


def table() -> list[tuple[str, dict[str, bool]]]:
    """The policy as rows for the README and the policy tests: action → {role: allowed}."""
    columns = [ADMIN, MANAGER, AGENT, OWN]
    return [(action.value, {column: column in POLICY[action] for column in columns}) for action in Action]


COLUMN_TITLES = {ADMIN: "admin", MANAGER: "manager", AGENT: "agent", OWN: "own (creator / the agent)"}


def render_table() -> str:
    """The table as Markdown, exactly as the README prints it (a test keeps the two equal)."""
    rows = table()
    columns = list(rows[0][1])
    lines = [
        "| action | " + " | ".join(COLUMN_TITLES[column] for column in columns) + " |",
        "| --- |" + " :---: |" * len(columns),
    ]
    for action, allowed in rows:
        cells = ["yes" if allowed[c] else ("" if c == OWN else "no") for c in columns]
        lines.append(f"| `{action}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
