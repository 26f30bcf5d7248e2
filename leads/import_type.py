"""The `lead_import` bulk operation: its records are the rows of a lead import (leads/importing.py).

Each chunk plans its rows against the location's leads (create / update / skip / error), creates
and updates leads with set-based queries, and keeps in every item's before-values what undo needs:
the lead it created (undo deletes it) or the fields and tags it changed (undo restores them where
nobody changed them since). Registered by importing this module from leads.operation_types.
"""

from collections import Counter, defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.policy import Action
from leads import services
from leads.import_models import LeadImport, LeadImportRow
from leads.importing import MAX_STORED_ERRORS, UPDATABLE, Plan, import_summary, plan_rows
from leads.models import Lead
from leads.signals import send_lead_import_completed
from operations.models import ItemStatus, OperationStatus
from operations.registry import OperationType, Outcome, Target, register, register_target

LINK_BATCH = 5000


def _allowed(membership):
    """Import rows are the import's: whoever may import leads (the policy) may act on them all."""
    return None


def _row_name(row) -> str:
    """The file's row number and the name it gives ("Row 7: Ana Ruiz")."""
    name = " ".join(filter(None, (row.values.get("first_name"), row.values.get("last_name"))))
    return f"Row {row.row_number}: {name}" if name else f"Row {row.row_number}"


register_target(
    Target(
        key="lead_import_rows",
        label="Lead import rows",
        singular="row",
        model=LeadImportRow,
        # The cells as read are for the error file only: not loaded by the operation.
        records=lambda location: LeadImportRow.objects.filter(lead_import__location=location).defer("cells"),
        allowed=_allowed,
        not_found_message="Import row not found",
        record_name=_row_name,
    )
)


@register
class ImportLeads(OperationType):
    key = "lead_import"
    label = "Import leads"
    target = "lead_import_rows"
    description = "Create (or update) a lead from every row of an uploaded file."
    reversible = True
    create_action = Action.IMPORT_LEADS.value

    def apply(self, records, ctx):
        outcomes: dict[int, Outcome] = {}
        by_import = defaultdict(list)
        for row in records:
            by_import[row.lead_import_id].append(row)
        imports = LeadImport.objects.only("pk", "options").in_bulk(list(by_import))
        for import_id, rows in by_import.items():
            lead_import = imports[import_id]
            plans = plan_rows(rows, location=ctx.location, options=lead_import.options)
            outcomes.update(self._write(lead_import, rows, plans, ctx))
        return outcomes

    def finish(self, operation) -> None:
        """Add the rows that failed while writing to the import's errors; send lead_import_completed."""
        if operation.undo_of_id:
            return
        for lead_import in LeadImport.objects.filter(operation=operation).select_related("operation"):
            failed = operation.items.filter(status=ItemStatus.FAILED).values_list("object_id", "error_message")
            clean = dict(
                lead_import.rows.filter(problems=[], pk__in=[pk for pk, _ in failed]).values_list("pk", "row_number")
            )
            unexpected = [{"row": clean[pk], "field": None, "message": error} for pk, error in failed if pk in clean]
            if unexpected:
                lead_import.errors = (lead_import.errors + unexpected)[:MAX_STORED_ERRORS]
                lead_import.failed += len(unexpected)
                lead_import.save(update_fields=["errors", "failed"])
            summary = import_summary(lead_import)
            summary["status"] = OperationStatus.COMPLETED  # the engine marks it so right after finish()
            send_lead_import_completed(lead_import, summary)

    def _write(self, lead_import: LeadImport, rows: list, plans: list[Plan], ctx) -> dict[int, Outcome]:
        outcomes, to_create, to_update = {}, [], []
        for row, plan in zip(rows, plans, strict=True):
            if plan.action == "error":
                outcomes[row.pk] = Outcome(ItemStatus.FAILED, plan.reason)
            elif plan.action == "skip":
                outcomes[row.pk] = Outcome(ItemStatus.SKIPPED, plan.reason)
            elif plan.action == "create":
                to_create.append(row)
            else:
                to_update.append((row, plan))
        tags = services.tags_by_name(
            location=ctx.location,
            names=[name for row in rows for name in row.values.get("tags", [])],
            create=bool(to_create or to_update),
        )
        outcomes.update(self._create(to_create, tags, ctx))
        outcomes.update(self._update(to_update, tags, ctx))
        counts = Counter(outcome.status for outcome in outcomes.values())
        created = sum(1 for o in outcomes.values() if o.before and "created" in o.before)
        LeadImport.objects.filter(pk=lead_import.pk).update(
            created=F("created") + created,
            updated=F("updated") + counts[ItemStatus.SUCCEEDED] - created,
            skipped=F("skipped") + counts[ItemStatus.SKIPPED],
        )
        return outcomes

    def _create(self, rows, tags, ctx) -> dict[int, Outcome]:
        leads = [Lead(location=ctx.location, last_operation=ctx.operation, **_lead_fields(row.values)) for row in rows]
        Lead.objects.bulk_create(leads)
        _link_rows([(row.pk, lead.pk) for row, lead in zip(rows, leads, strict=True)])
        pairs = [
            (lead.pk, tags[name.lower()].pk)
            for row, lead in zip(rows, leads, strict=True)
            for name in row.values.get("tags", [])
        ]
        _add_tags(pairs)
        # The same before-values for every created lead (the row keeps which): one UPDATE per chunk.
        return {row.pk: Outcome(ItemStatus.SUCCEEDED, before={"created": True}) for row in rows}

    def _update(self, planned, tags, ctx) -> dict[int, Outcome]:
        outcomes, leads, fields, pairs, stage_changes = {}, [], set(), [], []
        for row, plan in planned:
            lead = plan.lead
            new = _lead_fields(row.values)
            for name in plan.changes:
                setattr(lead, name, new[name])
                fields.add(name)
            if "stage" in plan.changes:
                stage_changes.append((lead.pk, plan.changes["stage"], new["stage"]))
            current = {tag.name.lower() for tag in lead.tags.all()}
            added = [tags[n.lower()].pk for n in row.values.get("tags", []) if n.lower() not in current]
            pairs += [(lead.pk, tag_id) for tag_id in added]
            lead.last_operation = ctx.operation
            lead.updated_at = timezone.now()
            leads.append(lead)
            row.lead_id = lead.pk
            outcomes[row.pk] = Outcome(
                ItemStatus.SUCCEEDED, before={"updated": True, "fields": plan.changes, "tags_added": added}
            )
        if leads:
            Lead.objects.bulk_update(leads, [*fields, "last_operation", "updated_at"])
            _link_rows([(row.pk, row.lead_id) for row, _ in planned])
        _add_tags(pairs)
        services.record_stage_changes(
            changes=stage_changes, reason="Lead import", user=ctx.user, operation=ctx.operation
        )
        return outcomes

    def recorded_changes(self, operation, befores):
        return {
            pk: ("", "lead created" if "created" in before else "lead updated: " + ", ".join(before["fields"]))
            for pk, before in befores.items()
            if before and ("created" in before or before.get("fields"))
        }

    def undo(self, records, befores, ctx):
        outcomes = {}
        created = [row.lead_id for row in records if "created" in (befores.get(row.pk) or {}) and row.lead_id]
        Lead.objects.filter(location=ctx.location, pk__in=created).delete()
        for row in records:
            before = befores.get(row.pk) or {}
            if "created" in before:
                if row.lead_id:
                    outcomes[row.pk] = Outcome(ItemStatus.SUCCEEDED, before={"deleted": True})
                else:
                    outcomes[row.pk] = Outcome(ItemStatus.SKIPPED, "The lead was already deleted")
            elif "updated" in before:
                outcomes[row.pk] = self._restore(row, before, ctx)
            else:
                outcomes[row.pk] = Outcome(ItemStatus.SKIPPED, "Nothing recorded to restore")
        return outcomes

    def _restore(self, row, before: dict, ctx) -> Outcome:
        lead = Lead.objects.filter(location=ctx.location, pk=row.lead_id).first() if row.lead_id else None
        if lead is None:
            return Outcome(ItemStatus.SKIPPED, "The lead was deleted since")
        imported = _lead_fields(row.values)
        restored, kept = [], []
        for name, old in before["fields"].items():
            if getattr(lead, name) == imported[name]:
                setattr(lead, name, _lead_fields({name: old})[name])
                restored.append(name)
            else:
                kept.append(name)
        if restored:
            lead.last_operation = ctx.operation
            lead.save(update_fields=[*restored, "last_operation", "updated_at"])
        Lead.tags.through.objects.filter(lead_id=lead.pk, tag_id__in=before.get("tags_added", [])).delete()
        if kept:
            return Outcome(ItemStatus.SUCCEEDED, f"Changed since the import, kept: {', '.join(kept)}")
        return Outcome(ItemStatus.SUCCEEDED)


def _lead_fields(values: dict) -> dict:
    """A row's parsed values as Lead model fields."""
    fields = {name: values[name] for name in UPDATABLE if name in values}
    if fields.get("budget") is not None:
        fields["budget"] = Decimal(fields["budget"])
    return fields


def _link_rows(pairs: list[tuple[int, int]]) -> None:
    """Set each (row, lead) pair's lead in one UPDATE … FROM (VALUES …) per batch (PostgreSQL, SQLite)."""
    table = connection.ops.quote_name(LeadImportRow._meta.db_table)
    for start in range(0, len(pairs), LINK_BATCH):
        batch = pairs[start : start + LINK_BATCH]
        values = ", ".join(["(%s, %s)"] * len(batch))
        with connection.cursor() as cursor:  # VALUES names its columns column1, column2 in both
            cursor.execute(
                f"UPDATE {table} SET lead_id = linked.column2 FROM (VALUES {values}) AS linked "
                f"WHERE {table}.id = linked.column1",
                [value for pair in batch for value in pair],
            )


def _add_tags(pairs: list[tuple[int, int]]) -> None:
    through = Lead.tags.through
    through.objects.bulk_create([through(lead_id=a, tag_id=b) for a, b in pairs], ignore_conflicts=True)
