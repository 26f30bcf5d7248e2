"""The bulk operations on tickets (seed 003): status, comment, assign, priority, category, delete."""

from django.utils import timezone
from rest_framework import serializers

from agents.capacity import DIRECT_AVAILABILITIES, Room, full_message, loads_for, lock_agents, unavailable_message
from agents.models import Agent
from operations.field_types import SetFieldType
from operations.models import ItemStatus
from operations.registry import OperationType, Outcome, Planned, Target, own_or_nobodys, register, register_target
from tickets.forms import TicketFilterForm
from tickets.models import CLOSED_STATUSES, Category, Comment, Priority, Status, Ticket, TicketAssignment
from tickets.selectors import tickets_matching

TICKETS = register_target(
    Target(
        key="tickets",
        label="Tickets",
        singular="ticket",
        model=Ticket,
        records=lambda location: Ticket.objects.filter(location=location, is_deleted=False),
        allowed=own_or_nobodys("assignee"),
        filter_form=TicketFilterForm,
        select=tickets_matching,
        list_url_name="tickets:list",
        detail_url_name="tickets:detail",
        not_found_message="Ticket not found",
        forbidden_message="Insufficient permissions to update ticket",
    )
)


@register
class UpdateStatus(SetFieldType):
    key = "update_status"
    label = "Update status"
    target = "tickets"
    field_name = param = "status"

    class Params(serializers.Serializer):
        status = serializers.ChoiceField(choices=Status.choices)


@register
class UpdatePriority(SetFieldType):
    key = "update_priority"
    label = "Update priority"
    target = "tickets"
    field_name = param = "priority"

    class Params(serializers.Serializer):
        priority = serializers.ChoiceField(choices=Priority.choices)


@register
class UpdateCategory(SetFieldType):
    key = "update_category"
    label = "Update category"
    target = "tickets"
    field_name = param = "category"

    class Params(serializers.Serializer):
        category = serializers.ChoiceField(choices=Category.choices)


class AgentParams(serializers.Serializer):
    agent_id = serializers.IntegerField(allow_null=True, help_text="The agent to assign; null to unassign")

    def validate_agent_id(self, value):
        if value is not None and not Agent.objects.filter(pk=value, location=self.context["location"]).exists():
            raise serializers.ValidationError("No such agent in this location.")
        return value


@register
class Assign(OperationType):
    """Assign to one agent within their capacity (open tickets and leads), with an audit row per ticket.

    Tickets beyond the agent's remaining capacity fail, saying so; an away or offline agent
    takes none. Undo gives tickets back where this operation's assignee still holds and the
    previous agent has room.
    """

    key = "assign"
    label = "Assign to agent"
    create_action = "assign"  # the policy's assign: managers and admins
    target = "tickets"
    reversible = True
    Params = AgentParams

    def preview(self, records, ctx):
        agent_id = ctx.params["agent_id"]
        agents = Agent.objects.filter(pk__in={agent_id, *(t.assignee_id for t in records)} - {None})
        names = {agent.pk: str(agent) for agent in agents.select_related("user")}

        def shown(pk):
            return names.get(pk, f"#{pk}") if pk else "unassigned"

        return {
            t.pk: Planned(ItemStatus.SKIPPED, f"Already {shown(agent_id)}")
            if t.assignee_id == agent_id
            else Planned(ItemStatus.SUCCEEDED, "", shown(t.assignee_id), shown(agent_id))
            for t in records
        }

    def recorded_changes(self, operation, befores):
        agent_id = operation.parameters["agent_id"]
        previous = {pk: before["assignee_id"] for pk, before in befores.items() if before and "assignee_id" in before}
        agents = Agent.objects.filter(pk__in={agent_id, *previous.values()} - {None}).select_related("user")
        names = {agent.pk: str(agent) for agent in agents}

        def shown(pk):
            return names.get(pk, f"#{pk}") if pk else "unassigned"

        return {pk: (shown(old), shown(agent_id)) for pk, old in previous.items()}

    def apply(self, records, ctx):
        agent_id = ctx.params["agent_id"]
        outcomes, moves = {}, []
        agent, room = None, None
        if agent_id is not None:
            # Current assignees are locked too: the audit rows reference them (see leads/assignment.py).
            agents = {a.pk: a for a in lock_agents({agent_id} | {t.assignee_id for t in records} - {None})}
            if agent_id not in agents:
                return {t.pk: Outcome(ItemStatus.FAILED, "No such agent in this location") for t in records}
            agent, room = agents[agent_id], Room(loads_for([agent_id]))
            if agent.availability not in DIRECT_AVAILABILITIES:
                return {t.pk: Outcome(ItemStatus.FAILED, unavailable_message(agent)) for t in records}
        for ticket in records:
            if ticket.assignee_id == agent_id:
                outcomes[ticket.pk] = Outcome(ItemStatus.SKIPPED, f"Already {agent or 'unassigned'}")
            elif room is not None and not room.has_room(agent_id):
                outcomes[ticket.pk] = Outcome(ItemStatus.FAILED, full_message(agent, room.loads[agent_id]))
            else:
                if room is not None and ticket.status not in CLOSED_STATUSES:
                    room.take(agent_id, kind="tickets")
                moves.append((ticket, agent_id))
                outcomes[ticket.pk] = Outcome(ItemStatus.SUCCEEDED, before={"assignee_id": ticket.assignee_id})
        _move_tickets(moves, ctx, strategy="manual", reason=ctx.params.get("reason", ""))
        return outcomes

    def undo(self, records, befores, ctx):
        set_by = dict(
            TicketAssignment.objects.filter(operation_id=ctx.operation.undo_of_id, ticket__in=records).values_list(
                "ticket_id", "to_agent_id"
            )
        )
        targets = {(befores.get(t.pk) or {}).get("assignee_id") for t in records} - {None}
        agents = {a.pk: a for a in lock_agents(targets | {t.assignee_id for t in records} - {None})}
        room = Room(loads_for(agents))
        outcomes, moves = {}, []
        for ticket in records:
            before = befores.get(ticket.pk) or {}
            target = before.get("assignee_id")
            if "assignee_id" not in before or ticket.assignee_id != set_by.get(ticket.pk):
                outcomes[ticket.pk] = Outcome(ItemStatus.SKIPPED, "Reassigned since; left as it is")
                continue
            if target is not None and ticket.status not in CLOSED_STATUSES:
                if not room.has_room(target):
                    message = full_message(agents[target], room.loads[target]) if target in agents else "No such agent"
                    outcomes[ticket.pk] = Outcome(ItemStatus.FAILED, message)
                    continue
                room.take(target, kind="tickets")
            moves.append((ticket, target))
            outcomes[ticket.pk] = Outcome(ItemStatus.SUCCEEDED)
        _move_tickets(moves, ctx, strategy="undo", reason=f"Undo of operation {ctx.operation.undo_of_id}")
        return outcomes


def _move_tickets(moves: list[tuple[Ticket, int | None]], ctx, *, strategy: str, reason: str) -> None:
    now = timezone.now()
    by_agent = {}
    for ticket, agent_id in moves:
        by_agent.setdefault(agent_id, []).append(ticket.pk)
    for agent_id, ids in by_agent.items():
        Ticket.objects.filter(pk__in=ids).update(assignee_id=agent_id, last_operation=ctx.operation, updated_at=now)
    TicketAssignment.objects.bulk_create(
        TicketAssignment(
            ticket=ticket,
            from_agent_id=ticket.assignee_id,
            to_agent_id=agent_id,
            reason=reason[:500],
            strategy=strategy,
            assigned_by=ctx.user,
            operation=ctx.operation,
        )
        for ticket, agent_id in moves
    )


@register
class AddComment(OperationType):
    key = "add_comment"
    label = "Add comment"
    target = "tickets"
    reversible = True

    class Params(serializers.Serializer):
        body = serializers.CharField(max_length=10_000, trim_whitespace=True)
        is_internal = serializers.BooleanField(default=False)

    def question(self, records, params):
        return f"Add {'an internal comment' if params.get('is_internal') else 'a comment'} to {records}?"

    def change(self, record, ctx):
        kind = "Internal comment" if ctx.params.get("is_internal") else "Comment"
        return "", f"{kind}: {ctx.params['body']}"

    def apply(self, records, ctx):
        Comment.objects.bulk_create(
            Comment(
                ticket=ticket,
                author=ctx.user,
                body=ctx.params["body"],
                is_internal=ctx.params.get("is_internal", False),
                operation=ctx.operation,
            )
            for ticket in records
        )
        Ticket.objects.filter(pk__in=[t.pk for t in records]).update(
            last_operation=ctx.operation, updated_at=timezone.now()
        )
        return {ticket.pk: Outcome(ItemStatus.SUCCEEDED) for ticket in records}

    def undo(self, records, befores, ctx):
        deleted = dict.fromkeys([t.pk for t in records], 0)
        comments = Comment.objects.filter(operation_id=ctx.operation.undo_of_id, ticket__in=records)
        for ticket_id in comments.values_list("ticket_id", flat=True):
            deleted[ticket_id] += 1
        comments.delete()
        return {
            pk: Outcome(ItemStatus.SUCCEEDED)
            if count
            else Outcome(ItemStatus.SKIPPED, "The comment was already removed")
            for pk, count in deleted.items()
        }


@register
class DeleteTickets(OperationType):
    key = "delete"
    label = "Delete"
    target = "tickets"
    description = "Soft delete: the tickets disappear from lists and can be restored by undo."
    reversible = True

    def question(self, records, params):
        return f"Delete {records}?"

    def change(self, record, ctx):
        return record.get_status_display(), "deleted"

    def recorded_changes(self, operation, befores):
        return {
            pk: (dict(Status.choices).get(before.get("status"), before.get("status", "")), "deleted")
            for pk, before in befores.items()
            if before
        }

    def queryset(self, target, location, *, undo):
        return Ticket.objects.filter(location=location) if undo else target.records(location)

    def apply(self, records, ctx):
        now = timezone.now()
        Ticket.objects.filter(pk__in=[t.pk for t in records]).update(
            is_deleted=True, deleted_at=now, last_operation=ctx.operation, updated_at=now
        )
        return {t.pk: Outcome(ItemStatus.SUCCEEDED, before={"is_deleted": False, "status": t.status}) for t in records}

    def undo(self, records, befores, ctx):
        restore = [t.pk for t in records if t.is_deleted]
        Ticket.objects.filter(pk__in=restore).update(
            is_deleted=False, deleted_at=None, last_operation=ctx.operation, updated_at=timezone.now()
        )
        return {
            t.pk: Outcome(ItemStatus.SUCCEEDED) if t.pk in restore else Outcome(ItemStatus.SKIPPED, "Not deleted")
            for t in records
        }
