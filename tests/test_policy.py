"""The policy table, through every path that performs each action, for every role.

For each ``Action`` of ``accounts.policy`` (enumerated: an action with no entry in ``PATHS``
fails ``test_every_action_has_its_paths``), the concrete pages, API endpoints and admin
pages that perform it are requested as an admin, a manager and an agent of the location, an
admin of another company (the outsider) and, where the table allows the object's own person
(``OWN``), the agent the object belongs to. Each answer must be what ``policy.allows`` says:
allowed is a 2xx/3xx that did the thing; refused is a 403/404 (an export download: only 404)
that did not. Expected outcomes come from the table, never from this file.
"""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path as FilePath

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import policy
from accounts.models import Membership, Role
from accounts.policy import OWN, Action
from agents.models import Agent, Availability
from campaigns import services as campaign_services
from campaigns.models import CallingSettings, Campaign, CampaignContact, CampaignState, DoNotCallEntry
from leads.import_models import LeadImport
from leads.models import Lead, MessageTemplate, ScoringConfig, Tag
from operations.models import BulkOperation, OperationStatus
from tests import factories
from webhooks import services as webhook_services
from webhooks.models import Webhook

README = FilePath(__file__).resolve().parent.parent / "README.md"
MISSING_ID = 987_654  # selected but no such record: a failed item to retry


@dataclass(frozen=True)
class Path:
    """One way to perform an action: a page, an API endpoint or an admin page."""

    name: str
    kind: str  # "page" | "api" | "admin"
    method: str
    url: Callable[[dict], str]
    data: Callable[[dict], dict] | None = None
    # Did the action happen (objects, acting user)? None for reads: the status alone says.
    done: Callable[[dict, object], bool] | None = None
    # False when the path takes the location from the session (a page) or offers no object: an
    # outsider cannot even name our location there, so they are not asked on it.
    names_our_object: bool = True
    body: str = "json"  # API bodies: "json" or "multipart"
    refused: tuple[int, ...] = (403, 404)
    # An outsider naming our location in a body is told it is not theirs: a 400 on `location`.
    outsider_refused: tuple[int, ...] = (403, 404)
    # Admin change pages: allowed when the form may be saved (its context says so).
    admin_flag: str = ""


@dataclass(frozen=True)
class Case:
    setup: Callable[["World"], dict]
    paths: list[Path] = field(default_factory=list)


@dataclass
class World:
    location: object
    users: dict  # role -> user
    creator: object  # the agent-role user the objects belong to ("own")
    creator_agent: object
    colleague: object  # another Agent of the location, the target of assignments


# --- objects ---------------------------------------------------------------------------


def _operation(world, *, draft=False, run=False, ids=None, operation_type="update_status", target="tickets"):
    if ids is None:
        ids = [factories.make_ticket(world.location).pk]
    params = {"status": "resolved"} if operation_type == "update_status" else {"format": "csv", "fields": ["id"]}
    operation = factories.make_operation(
        world.creator, world.location, ids, target=target, operation_type=operation_type, params=params, draft=draft
    )
    return {"op": factories.run_to_end(operation) if run else operation}


def _campaign(world, name="Policy campaign", state=None):
    campaign, _ = campaign_services.create_campaign(
        location=world.location,
        user=world.creator,
        file_bytes=b"phone\n+12125550101\n+12125550102\n",
        filename="contacts.csv",
        name=name,
    )
    if state:
        Campaign.objects.filter(pk=campaign.pk).update(state=state)
    return campaign


def _contacts_file(name="contacts.csv"):
    return SimpleUploadedFile(name, b"phone\n+12125550101\n", content_type="text/csv")


def _leads_file():
    return SimpleUploadedFile("leads.csv", b"Name,Email\nAnn Lee,ann@example.com\n", content_type="text/csv")


def _op_status(objs) -> str:
    return BulkOperation.objects.get(pk=objs["op"].pk).status


def _campaign_state(objs, key="campaign") -> str | None:
    row = Campaign.objects.filter(pk=objs[key].pk).values_list("state", flat=True).first()
    return row


def _admin(model, view: str) -> Callable[[dict], str]:
    opts = model._meta
    return lambda objs: reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[objs[model.__name__].pk])


def _admin_delete(model, **extra) -> Path:
    return Path(
        f"admin delete {model.__name__}",
        "admin",
        "post",
        _admin(model, "delete"),
        lambda objs: {"post": "yes"},
        done=lambda objs, user: not model._default_manager.filter(pk=objs[model.__name__].pk).exists(),
        refused=(302, 403, 404),
        outsider_refused=(302, 403, 404),
        **extra,
    )


def _admin_change(model) -> Path:
    return Path(
        f"admin change {model.__name__}",
        "admin",
        "get",
        _admin(model, "change"),
        admin_flag="has_change_permission",
        refused=(302, 403, 404),
        outsider_refused=(302, 403, 404),
    )


def _api_create_operation(name, target, operation_type, parameters, ids_key, done=None):
    return Path(
        name,
        "api",
        "post",
        lambda objs: "/api/v1/bulk-operations",
        lambda objs: {
            "target": target,
            "operation_type": operation_type,
            "parameters": parameters(objs),
            "ids": [objs[ids_key].pk],
            "location": objs["location"].pk,
        },
        done=done
        or (lambda objs, user: BulkOperation.objects.filter(operation_type=operation_type, created_by=user).exists()),
        outsider_refused=(400, 403, 404),
    )


def _lifecycle(kind: str, done) -> list[Path]:
    return [
        Path(f"api {kind}", "api", "post", lambda objs: f"/api/v1/bulk-operations/{objs['op'].pk}/{kind}", done=done),
        Path(f"page {kind}", "page", "post", lambda objs: f"/operations/{objs['op'].pk}/{kind}/", done=done),
    ]


# --- every action, the paths that perform it ---------------------------------------------

PATHS: dict[Action, Case] = {
    Action.OPERATION_CREATE: Case(
        lambda w: {"ticket": factories.make_ticket(w.location)},
        [
            _api_create_operation(
                "api generic create", "tickets", "update_status", lambda objs: {"status": "resolved"}, "ticket"
            ),
            Path(
                "api tickets create",
                "api",
                "post",
                lambda objs: "/api/v1/tickets/bulk-operations",
                lambda objs: {
                    "ticket_ids": [objs["ticket"].pk],
                    "operation_type": "update_status",
                    "operation_data": {"status": "resolved"},
                    "location": objs["location"].pk,
                },
                done=lambda objs, user: BulkOperation.objects.filter(created_by=user).exists(),
                outsider_refused=(400, 403, 404),
            ),
            Path(
                "page tickets bulk create",
                "page",
                "post",
                lambda objs: reverse("operations:tickets-bulk-create"),
                lambda objs: {
                    "operation_type": "update_status",
                    "params-status": "resolved",
                    "ids": [objs["ticket"].pk],
                },
                done=lambda objs, user: BulkOperation.objects.filter(created_by=user).exists(),
                names_our_object=False,
            ),
        ],
    ),
    Action.OPERATION_START: Case(
        lambda w: _operation(w, draft=True),
        _lifecycle("start", lambda objs, user: _op_status(objs) != OperationStatus.DRAFT),
    ),
    Action.OPERATION_CANCEL: Case(
        _operation,
        [
            *_lifecycle("cancel", lambda objs, user: _op_status(objs) == OperationStatus.CANCELLED),
            Path(
                "api tickets cancel",
                "api",
                "post",
                lambda objs: f"/api/v1/tickets/bulk-operations/{objs['op'].pk}/cancel",
                done=lambda objs, user: _op_status(objs) == OperationStatus.CANCELLED,
            ),
        ],
    ),
    Action.OPERATION_RETRY: Case(
        lambda w: _operation(w, run=True, ids=[factories.make_ticket(w.location).pk, MISSING_ID]),
        _lifecycle("retry", lambda objs, user: BulkOperation.objects.filter(retry_of=objs["op"]).exists()),
    ),
    Action.OPERATION_UNDO: Case(
        lambda w: _operation(w, run=True),
        _lifecycle("undo", lambda objs, user: BulkOperation.objects.filter(undo_of=objs["op"]).exists()),
    ),
    Action.OPERATION_VIEW_ALL: Case(
        lambda w: _operation(w, run=True),
        [
            Path("api detail", "api", "get", lambda objs: f"/api/v1/bulk-operations/{objs['op'].pk}"),
            Path("api items", "api", "get", lambda objs: f"/api/v1/bulk-operations/{objs['op'].pk}/items"),
            Path("api results", "api", "get", lambda objs: f"/api/v1/bulk-operations/{objs['op'].pk}/results.csv"),
            Path("api tickets detail", "api", "get", lambda objs: f"/api/v1/tickets/bulk-operations/{objs['op'].pk}"),
            Path("page detail", "page", "get", lambda objs: f"/operations/{objs['op'].pk}/"),
            Path("page progress", "page", "get", lambda objs: f"/operations/{objs['op'].pk}/progress/"),
            Path("page results", "page", "get", lambda objs: f"/operations/{objs['op'].pk}/results.csv"),
        ],
    ),
    Action.EXPORT_CREATE: Case(
        lambda w: {"lead": factories.make_lead(w.location)},
        [
            _api_create_operation(
                "api export create", "leads", "export", lambda objs: {"format": "csv", "fields": ["id"]}, "lead"
            )
        ],
    ),
    Action.EXPORT_DOWNLOAD: Case(
        lambda w: _operation(
            w, run=True, target="leads", operation_type="export", ids=[factories.make_lead(w.location).pk]
        ),
        [
            Path(
                "page export download",
                "page",
                "get",
                lambda objs: reverse("lead_bulk:export_download", args=[objs["op"].pk]),
                refused=(404,),  # never 403: that the export exists is not told
                outsider_refused=(404,),
            ),
            Path(
                "api export file",
                "api",
                "get",
                lambda objs: f"/api/v1/bulk-operations/{objs['op'].pk}/file",
                refused=(404,),
                outsider_refused=(404,),
            ),
        ],
    ),
    Action.CAMPAIGN_VIEW: Case(
        lambda w: {"campaign": _campaign(w)},
        [
            Path("page detail", "page", "get", lambda objs: reverse("campaigns:detail", args=[objs["campaign"].pk])),
            Path(
                "page contacts csv", "page", "get", lambda objs: reverse("campaigns:export", args=[objs["campaign"].pk])
            ),
            Path("api detail", "api", "get", lambda objs: f"/api/v1/campaigns/{objs['campaign'].pk}"),
            Path("api contacts", "api", "get", lambda objs: f"/api/v1/campaigns/{objs['campaign'].pk}/contacts"),
        ],
    ),
    Action.IMPORT_LEADS: Case(
        lambda w: {},
        [
            Path(
                "api import",
                "api",
                "post",
                lambda objs: "/api/v1/leads/imports",
                lambda objs: {"file": _leads_file(), "location": objs["location"].pk},
                done=lambda objs, user: Lead.objects.filter(
                    email="ann@example.com", location=objs["location"]
                ).exists(),
                body="multipart",
                outsider_refused=(400, 403, 404),
            ),
            Path("page form", "page", "get", lambda objs: reverse("leads:import"), names_our_object=False),
            Path(
                "page upload",
                "page",
                "post",
                lambda objs: reverse("leads:import"),
                lambda objs: {"file": _leads_file()},
                done=lambda objs, user: LeadImport.objects.filter(location=objs["location"], created_by=user).exists(),
                names_our_object=False,
            ),
        ],
    ),
    Action.CAMPAIGN_CREATE: Case(
        lambda w: {},
        [
            Path(
                "api create",
                "api",
                "post",
                lambda objs: "/api/v1/campaigns/create",
                lambda objs: {
                    "file": _contacts_file(),
                    "settings": json.dumps({"name": "By API", "location_id": objs["location"].pk}),
                },
                done=lambda objs, user: Campaign.objects.filter(location=objs["location"], name="By API").exists(),
                body="multipart",
                outsider_refused=(400, 403, 404),
            ),
            Path(
                "api preview",
                "api",
                "post",
                lambda objs: "/api/v1/campaigns/preview",
                lambda objs: {"file": _contacts_file(), "settings": json.dumps({"location_id": objs["location"].pk})},
                body="multipart",
            ),
            Path("page form", "page", "get", lambda objs: reverse("campaigns:create"), names_our_object=False),
            Path(
                "page create",
                "page",
                "post",
                lambda objs: reverse("campaigns:create"),
                lambda objs: {"file": _contacts_file(), "name": "By page", "timezone": "UTC"},
                done=lambda objs, user: Campaign.objects.filter(location=objs["location"], name="By page").exists(),
                names_our_object=False,
            ),
            Path(
                "admin add",
                "admin",
                "get",
                lambda objs: reverse("admin:campaigns_campaign_add"),
                names_our_object=False,
            ),
        ],
    ),
    Action.CAMPAIGN_EDIT: Case(
        lambda w: {
            "Campaign": (c := _campaign(w)),
            "CampaignContact": c.contacts.first(),
            "CallingSettings": CallingSettings.objects.create(location=w.location),
            "lead": factories.make_lead(w.location, phone="+12125550199"),
        },
        [
            _api_create_operation(
                "api add leads to the campaign",
                "leads",
                "add_to_campaign",
                lambda objs: {"campaign_id": objs["Campaign"].pk},
                "lead",
            ),
            _admin_change(Campaign),
            _admin_delete(CampaignContact),
            _admin_change(CallingSettings),
            Path(
                "page calling settings",
                "page",
                "post",
                lambda objs: reverse("campaigns:calling-settings"),
                lambda objs: {"window_start": "09:15", "window_end": "20:00", "default_region": "US"},
                done=lambda objs, user: CallingSettings.objects.filter(
                    location=objs["location"], window_start=datetime.time(9, 15)
                ).exists(),
                names_our_object=False,
            ),
        ],
    ),
    Action.DO_NOT_CALL_EDIT: Case(
        lambda w: {"DoNotCallEntry": DoNotCallEntry.objects.create(location=w.location, phone="+12125550101")},
        [
            Path(
                "api add",
                "api",
                "post",
                lambda objs: "/api/v1/do-not-call",
                lambda objs: {"phone": "+12125550109", "location": objs["location"].pk},
                done=lambda objs, user: DoNotCallEntry.objects.filter(phone="+12125550109", added_by=user).exists(),
                outsider_refused=(400, 403, 404),
            ),
            Path(
                "api delete",
                "api",
                "delete",
                lambda objs: f"/api/v1/do-not-call/{objs['DoNotCallEntry'].pk}",
                done=lambda objs, user: not DoNotCallEntry.objects.filter(pk=objs["DoNotCallEntry"].pk).exists(),
            ),
            Path(
                "page add",
                "page",
                "post",
                lambda objs: reverse("campaigns:do-not-call"),
                lambda objs: {"phone": "+12125550108"},
                done=lambda objs, user: DoNotCallEntry.objects.filter(phone="+12125550108", added_by=user).exists(),
                names_our_object=False,
            ),
            Path(
                "page upload",
                "page",
                "post",
                lambda objs: reverse("campaigns:do-not-call-upload"),
                lambda objs: {"file": SimpleUploadedFile("dnc.csv", b"phone\n+12125550107\n", content_type="text/csv")},
                done=lambda objs, user: DoNotCallEntry.objects.filter(phone="+12125550107", added_by=user).exists(),
                names_our_object=False,
            ),
            Path(
                "page delete",
                "page",
                "post",
                lambda objs: reverse("campaigns:do-not-call-delete", args=[objs["DoNotCallEntry"].pk]),
                done=lambda objs, user: not DoNotCallEntry.objects.filter(pk=objs["DoNotCallEntry"].pk).exists(),
            ),
            _admin_delete(DoNotCallEntry),
        ],
    ),
    Action.CAMPAIGN_START: Case(
        lambda w: {
            "campaign": _campaign(w),
            "paused": _campaign(w, "Paused one", CampaignState.PAUSED),
            "failed": _campaign(w, "Failed one", CampaignState.FAILED),
        },
        [
            Path(
                "api start",
                "api",
                "post",
                lambda objs: f"/api/v1/campaigns/{objs['campaign'].pk}/start",
                done=lambda objs, user: _campaign_state(objs) != CampaignState.DRAFT,
            ),
            Path(
                "page start",
                "page",
                "post",
                lambda objs: reverse("campaigns:action", args=[objs["campaign"].pk, "start"]),
                done=lambda objs, user: _campaign_state(objs) != CampaignState.DRAFT,
            ),
            Path(
                "api resume",
                "api",
                "post",
                lambda objs: f"/api/v1/campaigns/{objs['paused'].pk}/resume",
                done=lambda objs, user: _campaign_state(objs, "paused") == CampaignState.RUNNING,
            ),
            Path(
                "page resume",
                "page",
                "post",
                lambda objs: reverse("campaigns:action", args=[objs["paused"].pk, "resume"]),
                done=lambda objs, user: _campaign_state(objs, "paused") == CampaignState.RUNNING,
            ),
            Path(
                "api resume failed",
                "api",
                "post",
                lambda objs: f"/api/v1/campaigns/{objs['failed'].pk}/resume",
                done=lambda objs, user: _campaign_state(objs, "failed") == CampaignState.RUNNING,
            ),
        ],
    ),
    Action.CAMPAIGN_PAUSE: Case(
        lambda w: {"campaign": _campaign(w, state=CampaignState.RUNNING)},
        [
            Path(
                "api pause",
                "api",
                "post",
                lambda objs: f"/api/v1/campaigns/{objs['campaign'].pk}/pause",
                done=lambda objs, user: _campaign_state(objs) == CampaignState.PAUSED,
            ),
            Path(
                "page pause",
                "page",
                "post",
                lambda objs: reverse("campaigns:action", args=[objs["campaign"].pk, "pause"]),
                done=lambda objs, user: _campaign_state(objs) == CampaignState.PAUSED,
            ),
        ],
    ),
    Action.CAMPAIGN_DELETE: Case(
        lambda w: {"campaign": (c := _campaign(w)), "Campaign": c},
        [
            Path(
                "api delete",
                "api",
                "delete",
                lambda objs: f"/api/v1/campaigns/{objs['campaign'].pk}",
                done=lambda objs, user: _campaign_state(objs) is None,
            ),
            Path(
                "page delete",
                "page",
                "post",
                lambda objs: reverse("campaigns:action", args=[objs["campaign"].pk, "delete"]),
                done=lambda objs, user: _campaign_state(objs) is None,
            ),
            _admin_delete(Campaign),
        ],
    ),
    Action.ASSIGN: Case(
        lambda w: {
            "lead": factories.make_lead(w.location),
            "ticket": factories.make_ticket(w.location),
            "colleague": w.colleague,
        },
        [
            Path(
                "api assign",
                "api",
                "post",
                lambda objs: f"/api/v1/leads/{objs['lead'].pk}/assign",
                lambda objs: {"agent_id": objs["colleague"].pk},
                done=lambda objs, user: Lead.objects.get(pk=objs["lead"].pk).owner_id == objs["colleague"].pk,
            ),
            Path(
                "api bulk-assign",
                "api",
                "post",
                lambda objs: "/api/v1/leads/bulk-assign",
                lambda objs: {
                    "lead_ids": [objs["lead"].pk],
                    "strategy": "manual",
                    "agent_id": objs["colleague"].pk,
                    "location": objs["location"].pk,
                },
                done=lambda objs, user: Lead.objects.get(pk=objs["lead"].pk).owner_id == objs["colleague"].pk,
                outsider_refused=(400, 403, 404),
            ),
            _api_create_operation(
                "api lead assign operation",
                "leads",
                "assign",
                lambda objs: {"agent_id": objs["colleague"].pk, "reason": "Rebalance"},
                "lead",
            ),
            _api_create_operation(
                "api ticket assign operation",
                "tickets",
                "assign",
                lambda objs: {"agent_id": objs["colleague"].pk},
                "ticket",
            ),
        ],
    ),
    Action.REASSIGN: Case(
        lambda w: {"lead": factories.make_lead(w.location, owner=w.creator_agent), "colleague": w.colleague},
        [
            Path(
                "api reassign",
                "api",
                "put",
                lambda objs: f"/api/v1/leads/{objs['lead'].pk}/reassign",
                lambda objs: {"agent_id": objs["colleague"].pk, "reason": "Rebalance"},
                done=lambda objs, user: Lead.objects.get(pk=objs["lead"].pk).owner_id == objs["colleague"].pk,
            )
        ],
    ),
    Action.CAPACITY_CHANGE: Case(
        lambda w: {"agent": w.creator_agent, "Agent": w.creator_agent},
        [
            Path(
                "api capacity",
                "api",
                "put",
                lambda objs: f"/api/v1/agents/{objs['agent'].pk}/capacity",
                lambda objs: {"max_capacity": 7},
                done=lambda objs, user: type(objs["agent"]).objects.get(pk=objs["agent"].pk).max_capacity == 7,
            ),
            Path(
                "page capacity",
                "page",
                "post",
                lambda objs: reverse("agents:update", args=[objs["agent"].pk]),
                lambda objs: {"max_capacity": 7, "availability": objs["agent"].availability},
                done=lambda objs, user: type(objs["agent"]).objects.get(pk=objs["agent"].pk).max_capacity == 7,
            ),
            _admin_change(Agent),
        ],
    ),
    Action.AVAILABILITY_CHANGE: Case(
        lambda w: {"agent": w.creator_agent},
        [
            Path(
                "api availability",
                "api",
                "put",
                lambda objs: f"/api/v1/agents/{objs['agent'].pk}/capacity",
                lambda objs: {"availability": Availability.AWAY},
                done=lambda objs, user: type(objs["agent"]).objects.get(pk=objs["agent"].pk).availability == "away",
            ),
            Path(
                "page availability",
                "page",
                "post",
                lambda objs: reverse("agents:update", args=[objs["agent"].pk]),
                lambda objs: {"max_capacity": objs["agent"].max_capacity, "availability": Availability.AWAY},
                done=lambda objs, user: type(objs["agent"]).objects.get(pk=objs["agent"].pk).availability == "away",
            ),
        ],
    ),
    Action.SCORING_EDIT: Case(
        lambda w: {"ScoringConfig": ScoringConfig.objects.create(location=w.location)},
        [_admin_change(ScoringConfig), _admin_delete(ScoringConfig)],
    ),
    Action.TEMPLATE_EDIT: Case(
        lambda w: {
            "template": (
                t := MessageTemplate.objects.create(location=w.location, name="Hello", body="Hi {first_name}")
            ),
            "MessageTemplate": t,
        },
        [
            Path(
                "api create",
                "api",
                "post",
                lambda objs: "/api/v1/message-templates",
                lambda objs: {"name": "By API", "body": "Hi", "location": objs["location"].pk},
                done=lambda objs, user: MessageTemplate.objects.filter(name="By API").exists(),
                outsider_refused=(400, 403, 404),
            ),
            Path(
                "api update",
                "api",
                "patch",
                lambda objs: f"/api/v1/message-templates/{objs['template'].pk}",
                lambda objs: {"name": "Renamed"},
                done=lambda objs, user: MessageTemplate.objects.filter(name="Renamed").exists(),
            ),
            Path(
                "api delete",
                "api",
                "delete",
                lambda objs: f"/api/v1/message-templates/{objs['template'].pk}",
                done=lambda objs, user: not MessageTemplate.objects.filter(pk=objs["template"].pk).exists(),
            ),
            Path(
                "page new form",
                "page",
                "get",
                lambda objs: reverse("lead_bulk:template_create"),
                names_our_object=False,
            ),
            Path(
                "page create",
                "page",
                "post",
                lambda objs: reverse("lead_bulk:template_create"),
                lambda objs: {"name": "By page", "category": "general", "subject": "", "body": "Hi"},
                done=lambda objs, user: MessageTemplate.objects.filter(name="By page").exists(),
                names_our_object=False,
            ),
            Path(
                "page edit",
                "page",
                "post",
                lambda objs: reverse("lead_bulk:template_edit", args=[objs["template"].pk]),
                lambda objs: {"name": "Edited", "category": "general", "subject": "", "body": "Hi"},
                done=lambda objs, user: MessageTemplate.objects.filter(name="Edited").exists(),
            ),
            _admin_delete(MessageTemplate),
        ],
    ),
    Action.TAG_EDIT: Case(
        lambda w: {"tag": (t := factories.make_tag(w.location, "vip")), "Tag": t},
        [
            Path(
                "api patch",
                "api",
                "patch",
                lambda objs: f"/api/v1/tags/{objs['tag'].pk}",
                lambda objs: {"name": "renamed"},
                done=lambda objs, user: Tag.objects.get(pk=objs["tag"].pk).name == "renamed",
            ),
            Path(
                "api put",
                "api",
                "put",
                lambda objs: f"/api/v1/tags/{objs['tag'].pk}",
                lambda objs: {"name": "replaced"},
                done=lambda objs, user: Tag.objects.get(pk=objs["tag"].pk).name == "replaced",
            ),
            _admin_delete(Tag),
        ],
    ),
    Action.ANALYTICS_VIEW: Case(
        lambda w: {},
        [
            Path(
                "api analytics",
                "api",
                "get",
                lambda objs: f"/api/v1/bulk-operations/analytics?location={objs['location'].pk}",
            ),
            Path("page analytics", "page", "get", lambda objs: reverse("analytics:index"), names_our_object=False),
            Path(
                "page dashboard cards", "page", "get", lambda objs: reverse("analytics:cards"), names_our_object=False
            ),
        ],
    ),
    Action.WEBHOOK_MANAGE: Case(
        lambda w: {
            "Webhook": webhook_services.create_webhook(
                location=w.location, user=None, url="http://93.184.216.34/policy", events=["campaign.completed"]
            )
        },
        [
            Path(
                "api create",
                "api",
                "post",
                lambda objs: "/api/v1/webhooks",
                lambda objs: {
                    "location": objs["location"].pk,
                    "url": "http://93.184.216.34/created",
                    "events": ["bulk_operation.completed"],
                },
                done=lambda objs, user: Webhook.objects.filter(url="http://93.184.216.34/created").exists(),
                outsider_refused=(400,),
            ),
            Path(
                "api patch",
                "api",
                "patch",
                lambda objs: f"/api/v1/webhooks/{objs['Webhook'].pk}",
                lambda objs: {"is_active": False},
                done=lambda objs, user: not Webhook.objects.get(pk=objs["Webhook"].pk).is_active,
            ),
            Path(
                "api delete",
                "api",
                "delete",
                lambda objs: f"/api/v1/webhooks/{objs['Webhook'].pk}",
                done=lambda objs, user: not Webhook.objects.filter(pk=objs["Webhook"].pk).exists(),
            ),
            Path("page list", "page", "get", lambda objs: reverse("webhooks:list"), names_our_object=False),
            Path(
                "page create",
                "page",
                "post",
                lambda objs: reverse("webhooks:list"),
                lambda objs: {"url": "http://93.184.216.34/page", "events": ["campaign.completed"], "is_active": "on"},
                done=lambda objs, user: Webhook.objects.filter(url="http://93.184.216.34/page").exists(),
                names_our_object=False,
            ),
            _admin_delete(Webhook),
        ],
    ),
    Action.MEMBERSHIP_EDIT: Case(
        lambda w: {"Membership": factories.make_user(location=w.location).memberships.get()},
        [_admin_delete(Membership)],
    ),
}


def _cases():
    for action, case in PATHS.items():
        roles = ["admin", "manager", "agent", "outsider"]
        if OWN in policy.POLICY[action]:
            roles.append("own")
        for path in case.paths:
            for role in roles:
                if role == "outsider" and not path.names_our_object:
                    continue
                yield pytest.param(action, path, role, id=f"{action.value}-{path.name}-{role}")


CASES = list(_cases())


def test_every_action_has_its_paths():
    """A new Action fails here until its pages / API / admin paths are listed in PATHS."""
    missing = [action.value for action in Action if not (action in PATHS and PATHS[action].paths)]
    assert not missing, f"Actions with no path in tests/test_policy.py PATHS: {missing}"
    assert {path.kind for case in PATHS.values() for path in case.paths} == {"page", "api", "admin"}


def test_readme_prints_the_table():
    text = README.read_text()
    section = text.split("## Who may do what\n", 1)[1].split("\n## ", 1)[0]
    assert policy.render_table() in section


@pytest.fixture
def world(location, other_location, admin_user, manager, agent, outsider):
    creator = factories.make_user("creator", location=location, role=Role.AGENT)
    users = {"admin": admin_user, "manager": manager, "agent": agent.user, "outsider": outsider, "own": creator}
    permissions = list(Permission.objects.all())
    for user in users.values():  # staff with every Django permission: only the policy and tenancy refuse
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.user_permissions.set(permissions)
    return World(
        location=location,
        users=users,
        creator=creator,
        creator_agent=factories.make_agent(location, user=creator),
        colleague=factories.make_agent(location),
    )


def _request(path: Path, user, url: str, data):
    if path.kind == "api":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        kwargs = {"format": "multipart" if path.body == "multipart" else "json"} if data is not None else {}
        return (
            getattr(client, path.method)(url, data, **kwargs) if data is not None else getattr(client, path.method)(url)
        )
    client = Client()
    client.force_login(user)
    return getattr(client, path.method)(url, data or {})


@pytest.mark.parametrize(("action", "path", "role"), CASES)
def test_policy_holds_on_every_path(world, action, path, role):
    objs = {"location": world.location, **PATHS[action].setup(world)}
    user = world.users[role]
    expected = policy.allows(user, action, world.location, owner_id=world.creator.pk)

    response = _request(path, user, path.url(objs), path.data(objs) if path.data else None)

    status = response.status_code
    done = path.done(objs, user) if path.done else None
    if path.admin_flag and status == 200:
        done = bool(response.context[path.admin_flag])
    body = b"".join(response.streaming_content) if response.streaming else response.content
    where = f"{role} on {path.kind} {path.method.upper()} {path.url(objs)}: {status} {body[:200]!r}"
    assert status < 500, where
    if expected:
        assert status < 400, where
        assert done is not False, f"answered {status} but did not do it: {where}"
    else:
        refused = path.outsider_refused if role == "outsider" else path.refused
        assert status in refused or (path.admin_flag and status == 200), where
        assert not done, f"refused with {status} but did it anyway: {where}"
