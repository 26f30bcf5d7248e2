"""Lead import: a file of people becomes leads, through the shared reader and the bulk engine.

`parse_leads` reads the file (spreadsheets.reading), maps its columns to lead fields and parses
every row (E.164 phones in the location's region, validated emails, budgets, stages, tags);
`plan_rows` says what each row would do (create / update / skip / error) without writing;
`create_import` stores the file and its rows and, unless it is a dry run, starts the
`lead_import` bulk operation (leads/import_type.py) that writes them, chunk by chunk.
"""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from accounts import policy
from leads.import_models import ImportStatus, LeadImport, LeadImportRow, MatchOn, OnDuplicate
from leads.models import Lead, Stage
from spreadsheets.reading import (
    FIELDS,
    UnreadableFile,
    guess_mapping,
    header_key,
    normalize_email,
    normalize_number,
    read_table,
    region_for_timezone,
)

# Up to this many rows an import runs within the request (201); larger ones in the background (202).
INLINE_ROWS = 500
ROW_BATCH = 5000
# Rows matched against the database per query (an IN list of their emails and phones).
PLAN_BATCH = 2000
MAX_STORED_ERRORS = 1000
NAME_MAX = 100
IDENTITY_FIELDS = ("name", "first_name", "last_name", "email", "phone")
# Stage names as people type them, in the five languages the headers are recognised in.
STAGE_WORDS = {
    Stage.NEW: "new nuevo nouveau neu novo",
    Stage.CONTACTED: "contacted contactado contacte kontaktiert contatado",
    Stage.QUALIFIED: "qualified cualificado calificado qualifie qualifiziert qualificado",
    Stage.PROPOSAL: "proposal propuesta proposition angebot proposta offer",
    Stage.NEGOTIATION: "negotiation negociacion negociation verhandlung negociacao",
    Stage.WON: "won ganado gagne gewonnen ganho closed_won",
    Stage.LOST: "lost perdido perdu verloren closed_lost",
}
STAGE_BY_WORD = {word: stage.value for stage, words in STAGE_WORDS.items() for word in words.split()}
TAG_SEPARATORS = re.compile(r"[,;|]")


class InvalidMapping(ValueError):
    """The column mapping cannot be used; `field` is the request field it came from."""

    def __init__(self, message: str, field: str = "mapping"):
        super().__init__(message)
        self.field = field


@dataclass
class ParsedRow:
    row_number: int
    cells: list[str]
    values: dict
    problems: list[list[str]] = field(default_factory=list)
    duplicate_of: int | None = None


@dataclass
class ParsedLeads:
    headers: list[str]
    mapping: dict[str, str]
    rows: list[ParsedRow]
    file_format: str
    encoding: str
    delimiter: str


@dataclass(frozen=True)
class Plan:
    """What one row does: create / update / skip / error, why, the lead it matched and the changes."""

    action: str
    reason: str = ""
    lead: Lead | None = None
    changes: dict | None = None


# --- Reading -----------------------------------------------------------------------------


def default_options(location) -> dict:
    return {
        "on_duplicate": OnDuplicate.SKIP.value,
        "match_on": MatchOn.EMAIL_OR_PHONE.value,
        "mapping": None,
        "region": region_for_timezone(location.timezone or "UTC"),
    }


def read_headers(data: bytes, *, filename: str) -> tuple[list[str], list[list[str]]]:
    """The file's column names (made unique) and its data rows; UnreadableFile if it has none."""
    table = read_table(data, filename=filename)
    return _headers(table.rows[0]), table.rows[1:]


def _headers(first: list[str]) -> list[str]:
    headers, seen = [], set()
    for index, cell in enumerate(first):
        name = cell or f"Column {index + 1}"
        candidate, n = name, 2
        while candidate in seen:
            candidate, n = f"{name} ({n})", n + 1
        seen.add(candidate)
        headers.append(candidate)
    return headers


def parse_leads(data: bytes, *, filename: str, options: dict) -> ParsedLeads:
    """Read and parse the whole file; UnreadableFile for the file, InvalidMapping for the mapping."""
    table = read_table(data, filename=filename)
    headers = _headers(table.rows[0])
    data_rows = table.rows[1:]
    if not any(any(row) for row in data_rows):
        raise UnreadableFile("The file has a header row but no leads.")
    if len(data_rows) > settings.BULK_MAX_IDS:
        raise UnreadableFile(f"The file has {len(data_rows):,} rows; at most {settings.BULK_MAX_IDS:,} at a time.")
    mapping = checked_mapping(options.get("mapping"), headers)
    columns = {name: headers.index(header) for header, name in mapping.items()}
    region = options.get("region") or "US"
    rows = []
    for index, cells in enumerate(data_rows):
        if not any(cells):
            continue
        values, problems = parse_row(cells, columns, region)
        rows.append(ParsedRow(index + 2, cells, values, problems))
    _mark_duplicates(rows, options.get("match_on") or MatchOn.EMAIL_OR_PHONE)
    return ParsedLeads(headers, mapping, rows, table.file_format, table.encoding, table.delimiter)


def checked_mapping(mapping: dict | None, headers: list[str]) -> dict[str, str]:
    """The column → field mapping given (empty fields ignore a column), or the guessed one."""
    if mapping is None:
        mapping = guess_mapping(headers)
    if not isinstance(mapping, dict):
        raise InvalidMapping("Give a JSON object of column name → lead field.")
    unknown_columns = [column for column in mapping if column not in headers]
    if unknown_columns:
        raise InvalidMapping(f"No column named {', '.join(map(repr, unknown_columns[:5]))} in the file.")
    cleaned, taken = {}, {}
    for column, name in mapping.items():
        if name in ("", None, "ignore"):
            continue
        if name not in FIELDS:
            raise InvalidMapping(f"'{name}' is not a lead field; choose one of {', '.join(FIELDS)}.")
        if name in taken:
            raise InvalidMapping(f"Columns '{taken[name]}' and '{column}' are both mapped to {name}.")
        taken[name] = column
        cleaned[column] = name
    if not set(cleaned.values()) & set(IDENTITY_FIELDS):
        raise InvalidMapping(
            "No column holds a name, email or phone: map at least one (headers seen: " + ", ".join(headers[:10]) + ")."
        )
    return cleaned


def parse_row(cells: list[str], columns: dict[str, int], region: str) -> tuple[dict, list[list[str]]]:
    """A row's lead fields and its problems ([field, message] pairs)."""
    raw = {name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()}
    values: dict = {}
    problems: list[list[str]] = []
    first, last = raw.get("first_name", ""), raw.get("last_name", "")
    if not first and not last and raw.get("name"):
        first, _, last = " ".join(raw["name"].split()).partition(" ")
    for name, value in (("first_name", first), ("last_name", last)):
        if len(value) > NAME_MAX:
            problems.append([name, f"longer than {NAME_MAX} characters"])
        elif value:
            values[name] = value
    if raw.get("email"):
        try:
            values["email"] = normalize_email(raw["email"])
        except ValueError as exc:
            problems.append(["email", f"{exc}: {raw['email']!r}"])
    if raw.get("phone"):
        try:
            values["phone"] = normalize_number(raw["phone"], region)
        except ValueError as exc:
            problems.append(["phone", f"{exc}: {raw['phone']!r}"])
    if raw.get("budget"):
        try:
            values["budget"] = str(parse_budget(raw["budget"]))
        except ValueError as exc:
            problems.append(["budget", f"{exc}: {raw['budget']!r}"])
    if raw.get("stage"):
        stage = STAGE_BY_WORD.get(header_key(raw["stage"]))
        if stage is None:
            problems.append(["stage", f"unknown stage {raw['stage']!r} (one of {', '.join(Stage.values)})"])
        else:
            values["stage"] = stage
    if raw.get("tags"):
        names = [t.strip()[:64] for t in TAG_SEPARATORS.split(raw["tags"]) if t.strip()]
        values["tags"] = list(dict.fromkeys(names))
    if raw.get("notes"):
        values["notes"] = raw["notes"]
    if not problems and not (values.keys() & {"first_name", "last_name", "email", "phone"}):
        problems.append(["name", "the row has no name, email or phone"])
    return values, problems


def parse_budget(value: str) -> Decimal:
    """'$350,000', '350.000 €', '1.234,56', '350k' → a Decimal; ValueError when it is no amount."""
    text = value.strip().lower().replace("\u00a0", "").replace(" ", "").replace("'", "")
    factor = 1
    if text.endswith(("k", "m")):
        factor = 1000 if text[-1] == "k" else 1_000_000
        text = text[:-1]
    text = re.sub(r"^[^\d\-.,]+|[^\d.,]+$", "", text)  # currency signs and codes around the number
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
    elif text.count(",") == 1 and not re.search(r",\d{3}$", text):
        text = text.replace(",", ".")
    elif re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):
        text = text.replace(",", "").replace(".", "")
    try:
        amount = (Decimal(text) * factor).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError("not an amount") from None
    if amount < 0 or amount >= Decimal("1e10"):
        raise ValueError("not an amount between 0 and 9,999,999,999.99")
    return amount


def _keys(values: dict, match_on: str) -> list[str]:
    keys = []
    if match_on in (MatchOn.EMAIL, MatchOn.EMAIL_OR_PHONE) and values.get("email"):
        keys.append("e:" + values["email"].lower())
    if match_on in (MatchOn.PHONE, MatchOn.EMAIL_OR_PHONE) and values.get("phone"):
        keys.append("p:" + values["phone"])
    return keys


def _mark_duplicates(rows: list[ParsedRow], match_on: str) -> None:
    """A later row naming the same email / phone as an earlier one is a duplicate of it."""
    first_row: dict[str, int] = {}
    for row in rows:
        if row.problems:
            continue
        keys = _keys(row.values, match_on)
        earlier = next((first_row[key] for key in keys if key in first_row), None)
        if earlier is not None:
            row.duplicate_of = earlier
            continue
        for key in keys:
            first_row[key] = row.row_number


# --- Planning (shared by the preview, the dry run and the operation) ---------------------


UPDATABLE = ("first_name", "last_name", "email", "phone", "budget", "stage", "notes")


def plan_rows(rows: Iterable, *, location, options: dict) -> list[Plan]:
    """What each row would do, matched against the location's leads; writes nothing.

    `rows` are ParsedRows or LeadImportRows (anything with values, problems, duplicate_of).
    """
    rows = list(rows)
    match_on = options.get("match_on") or MatchOn.EMAIL_OR_PHONE
    plans = []
    for start in range(0, len(rows), PLAN_BATCH):
        batch = rows[start : start + PLAN_BATCH]
        plans += _plan_batch(batch, _existing_leads(location, batch, match_on), match_on, options)
    return plans


def _plan_batch(rows: list, existing: dict[str, Lead], match_on: str, options: dict) -> list[Plan]:
    plans = []
    for row in rows:
        if row.problems:
            plans.append(Plan("error", "; ".join(f"{f}: {m}" for f, m in row.problems)))
        elif row.duplicate_of:
            plans.append(Plan("skip", f"Duplicate of row {row.duplicate_of} in the file"))
        else:
            lead = next((existing[key] for key in _keys(row.values, match_on) if key in existing), None)
            plans.append(_plan_match(row.values, lead, options))
    return plans


def _plan_match(values: dict, lead: Lead | None, options: dict) -> Plan:
    if lead is None:
        return Plan("create")
    if options.get("on_duplicate") != OnDuplicate.UPDATE:
        return Plan("skip", f"Already a lead: {lead.full_name or lead.email} (#{lead.pk})", lead)
    changes = {}
    for name in UPDATABLE:
        if name in values and _stored(lead, name) != values[name]:
            changes[name] = _stored(lead, name)
    current_tags = {tag.name.lower() for tag in lead.tags.all()}
    new_tags = [t for t in values.get("tags", []) if t.lower() not in current_tags]
    if not changes and not new_tags:
        return Plan("skip", f"Already up to date: {lead.full_name or lead.email} (#{lead.pk})", lead)
    return Plan("update", "", lead, changes)


def _stored(lead: Lead, name: str):
    value = getattr(lead, name)
    if name == "budget":
        return None if value is None else str(value)
    return value


def _existing_leads(location, rows: list, match_on: str) -> dict[str, Lead]:
    emails, phones = set(), set()
    for row in rows:
        if row.problems or row.duplicate_of:
            continue
        for key in _keys(row.values, match_on):
            if key.startswith("e:"):
                emails.update({row.values["email"], key[2:]})
            else:
                phones.add(key[2:])
    if not emails and not phones:
        return {}
    query = Q(email__in=emails) if emails else Q()
    if phones:
        query = query | Q(phone__in=phones) if emails else Q(phone__in=phones)
    found: dict[str, Lead] = {}
    for lead in Lead.objects.filter(location=location).filter(query).prefetch_related("tags").order_by("pk"):
        if lead.email:
            found.setdefault("e:" + lead.email.lower(), lead)
        if lead.phone:
            found.setdefault("p:" + lead.phone, lead)
    return found


def plan_counts(plans: list[Plan]) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "skip": 0, "error": 0}
    for plan in plans:
        counts[plan.action] += 1
    return counts


# --- Creating an import ------------------------------------------------------------------


def create_import(*, user, location, data: bytes, filename: str, options: dict, dry_run: bool) -> LeadImport:
    """The API's one step: store the file, then start it (or dry-run it) with these options.

    Nothing is kept when the file or the options are refused.
    """
    with transaction.atomic():
        lead_import = save_upload(user=user, location=location, data=data, filename=filename)
        return start_import(lead_import, options=options, dry_run=dry_run)


def save_upload(*, user, location, data: bytes, filename: str) -> LeadImport:
    """Keep an uploaded file as a draft import (the page then maps its columns and previews it).

    Raises UnreadableFile when the file cannot be read or holds no rows, PermissionDenied (policy).
    """
    policy.require(user, policy.Action.IMPORT_LEADS, location)
    headers, data_rows = read_headers(data, filename=filename)
    if not any(any(row) for row in data_rows):
        raise UnreadableFile("The file has a header row but no leads.")
    name = filename or "leads.csv"
    return LeadImport.objects.create(
        location=location,
        created_by=user,
        file=ContentFile(data, name=name),
        file_name=name[:255],
        options={**default_options(location), "headers": headers},
    )


def file_bytes(lead_import: LeadImport) -> bytes:
    """The draft's stored file; UnreadableFile when it is no longer stored."""
    if not lead_import.file:
        raise UnreadableFile("The uploaded file is no longer stored; upload it again.")
    try:
        with lead_import.file.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise UnreadableFile("The uploaded file is no longer stored; upload it again.") from None


def start_import(lead_import: LeadImport, *, options: dict, dry_run: bool) -> LeadImport:
    """Parse the draft's file with these options, keep its rows, and start the lead_import operation
    (or, for a dry run, only count what it would do). A draft starts once: a second call returns it.

    Raises UnreadableFile / InvalidMapping for bad input and the engine's errors.
    """
    from operations import engine

    if lead_import.status != ImportStatus.DRAFT:
        return lead_import
    location = lead_import.location
    options = {**lead_import.options, **{k: v for k, v in options.items() if v is not None}}
    parsed = parse_leads(file_bytes(lead_import), filename=lead_import.file_name, options=options)
    options.update(mapping=parsed.mapping, headers=parsed.headers)
    with transaction.atomic():
        if not LeadImport.objects.filter(pk=lead_import.pk, status=ImportStatus.DRAFT).update(
            status=ImportStatus.DRY_RUN if dry_run else ImportStatus.STARTED
        ):
            lead_import.refresh_from_db()
            return lead_import  # another request started it
        lead_import.options = options
        lead_import.total_rows = len(parsed.rows)
        lead_import.errors = errors_of(parsed.rows)
        lead_import.failed = sum(1 for row in parsed.rows if row.problems)
        _stage_rows(lead_import, parsed.rows)
        if dry_run:
            counts = plan_counts(plan_rows(parsed.rows, location=location, options=options))
            lead_import.status = ImportStatus.DRY_RUN
            lead_import.created, lead_import.updated = counts["create"], counts["update"]
            lead_import.skipped = counts["skip"]
        else:
            lead_import.operation, _ = engine.create_operation(
                user=lead_import.created_by,
                location=location,
                target="lead_import_rows",
                operation_type="lead_import",
                params={},
                ids=list(lead_import.rows.values_list("pk", flat=True)),
                metadata={"description": f"Import of {lead_import.file_name}", "lead_import_id": lead_import.pk},
            )
            lead_import.status = ImportStatus.STARTED
        lead_import.save()
    return lead_import


def _stage_rows(lead_import: LeadImport, rows: list[ParsedRow]) -> None:
    for start in range(0, len(rows), ROW_BATCH):
        LeadImportRow.objects.bulk_create(
            LeadImportRow(
                lead_import=lead_import,
                row_number=row.row_number,
                cells=row.cells,
                values=row.values,
                problems=row.problems,
                duplicate_of=row.duplicate_of,
            )
            for row in rows[start : start + ROW_BATCH]
        )


def errors_of(rows: Iterable) -> list[dict]:
    """The rejected rows as the API lists them: one entry per problem, the first MAX_STORED_ERRORS."""
    errors = []
    for row in rows:
        for name, message in row.problems:
            errors.append({"row": row.row_number, "field": name, "message": message})
            if len(errors) >= MAX_STORED_ERRORS:
                return errors
    return errors


def import_summary(lead_import: LeadImport) -> dict:
    """The import as the API shows it (GET /api/v1/leads/imports/{id}, the lead_import.completed event)."""
    return {
        "import_id": lead_import.pk,
        "operation_id": lead_import.operation_id,
        "status": lead_import.current_status,
        "total_rows": lead_import.total_rows,
        "created": lead_import.created,
        "updated": lead_import.updated,
        "skipped": lead_import.skipped,
        "failed": lead_import.failed,
        "file_name": lead_import.file_name,
        "dry_run": lead_import.status == ImportStatus.DRY_RUN,
        "options": {k: v for k, v in lead_import.options.items() if k != "headers"},
        "errors": lead_import.errors,
        "error_file_url": reverse("api-lead-import-errors", args=[lead_import.pk]),
    }


def run_inline(lead_import: LeadImport) -> None:
    """Run a small import's operation within the request (the queued task then finds it done)."""
    from operations import engine

    engine.run_operation(lead_import.operation_id, slice_seconds=float("inf"))
    lead_import.refresh_from_db()


def write_error_file(lead_import: LeadImport, handle) -> None:
    """The rejected rows as they were in the file, with a reason column."""
    from operations.models import ItemStatus

    headers = lead_import.options.get("headers") or []
    writer = csv.writer(handle)
    rows = lead_import.rows.order_by("row_number")
    failed_items = {}
    if lead_import.operation_id:
        failed_items = dict(
            lead_import.operation.items.filter(status=ItemStatus.FAILED).values_list("object_id", "error_message")
        )
    writer.writerow(["row", *headers, "reason"])
    for row in rows.iterator(chunk_size=2000):
        if row.problems:
            reason = "; ".join(f"{f}: {m}" for f, m in row.problems)
        elif row.pk in failed_items:
            reason = failed_items[row.pk]
        else:
            continue
        writer.writerow([row.row_number, *row.cells, reason])
