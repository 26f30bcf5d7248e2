"""Streamed lead exports (CSV, JSON, XLSX): rows come from the database in chunks and go
straight to a file, so a million leads never sit in memory at once."""

import csv
import json
import os
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import CharField, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse

from accounts import policy
from leads import conf
from leads.models import Lead
from operations.models import BulkOperation, ItemStatus, OperationStatus
from operations.registry import ResultFile
from operations.results import FORMULA_PREFIXES, neutralize_formula

FORMATS = [("csv", "CSV"), ("json", "JSON"), ("xlsx", "Excel (XLSX)")]
# Export column → ORM path.
FIELDS = {
    "id": "id",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone",
    "budget": "budget",
    "area": "area",
    "source": "source",
    "timeline": "timeline",
    "stage": "stage",
    "score": "score",
    "classification": "classification",
    "owner": "owner__user__username",
    "team": "team__name",
    "do_not_contact": "do_not_contact",
    "last_contacted_at": "last_contacted_at",
    "created_at": "created_at",
    "tags": "tag_names",  # annotated by _values: the lead's tag names, sorted, ", "-separated
}
NON_TEXT_FIELDS = {"id", "budget", "score", "do_not_contact", "last_contacted_at", "created_at"}
FORMULA_STARTS = "".join(FORMULA_PREFIXES)
ROWS_KEY = "export_rows"  # in the operation's metadata: the rows the file holds
DEFAULT_FIELDS = ("id", "first_name", "last_name", "email", "phone", "stage", "score", "classification", "tags")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _cell(value):
    """A value safe for a spreadsheet: text starting with = + - @ is neutralised."""
    value = _plain(value)
    return neutralize_formula(value) if isinstance(value, str) else value


def _tag_names() -> RawSQL:
    """The lead's tag names in one cell, sorted, separated as lead import splits them (", ")."""
    lead, tag = Lead._meta, Lead.tags.field.related_model._meta
    through = Lead.tags.through._meta.db_table
    quote = connection.ops.quote_name
    names = (
        f"SELECT t.name FROM {quote(tag.db_table)} t JOIN {quote(through)} lt ON lt.tag_id = t.id "
        f"WHERE lt.lead_id = {quote(lead.db_table)}.id"
    )
    if connection.vendor == "postgresql":
        sql = f"SELECT string_agg(t.name, ', ' ORDER BY t.name) FROM ({names}) t"
    else:
        sql = f"SELECT group_concat(name, ', ') FROM ({names} ORDER BY t.name)"
    return RawSQL(sql, (), output_field=CharField())  # noqa: S611 (only table names from the models)


def _values(queryset: QuerySet, fields: list[str]) -> QuerySet:
    """The export's columns of every lead, in id order."""
    if "tags" in fields:
        queryset = queryset.annotate(tag_names=_tag_names())
    return queryset.order_by("pk").values_list(*[FIELDS[name] for name in fields])


def rows(queryset: QuerySet, fields: list[str]) -> Iterator[tuple]:
    """The fields of every lead, in id order, fetched in chunks (a server-side cursor on PostgreSQL)."""
    values = _values(queryset, fields)
    chunk = conf.export_chunk_size()
    if connection.vendor != "postgresql":
        yield from values.iterator(chunk_size=chunk)
        return
    # Plain tuples straight from psycopg: these columns need none of Django's converters.
    sql, params = values.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(chunk):
            yield from batch


def _text_columns(fields: list[str]) -> list[int]:
    return [i for i, name in enumerate(fields) if name not in NON_TEXT_FIELDS]


def write_csv(handle, fields: list[str], records: Iterable[tuple]) -> int:
    """CSV with text cells that a spreadsheet would run as a formula neutralised."""
    writer = csv.writer(handle)
    writer.writerow(fields)
    text = _text_columns(fields)
    count = 0
    for row in records:
        row = list(row)
        for i in text:
            value = row[i]
            if value and value[0] in FORMULA_STARTS:
                row[i] = neutralize_formula(value)
        writer.writerow(row)
        count += 1
    return count


def write_json(handle, fields: list[str], records: Iterable[tuple]) -> int:
    """A JSON array written object by object (cells neutralised too: JSON often ends in a sheet)."""
    handle.write("[")
    count = 0
    for row in records:
        handle.write(
            ("," if count else "") + "\n" + json.dumps(dict(zip(fields, (_cell(v) for v in row), strict=True)))
        )
        count += 1
    handle.write("\n]\n")
    return count


def write_xlsx(path: Path, fields: list[str], records: Iterable[tuple]) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    sheet.append(fields)
    count = 0
    for row in records:
        sheet.append([_cell(v) for v in row])
        count += 1
    workbook.save(path)
    return count


def copy_csv(queryset: QuerySet, fields: list[str], path: Path) -> None:
    """PostgreSQL: COPY the rows straight to the file, neutralising formula cells in SQL."""
    sql, params = _values(queryset, fields).query.sql_with_params()
    quote = connection.ops.quote_name
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS)
    columns = []
    for i, name in enumerate(fields):
        if name in NON_TEXT_FIELDS:
            columns.append(f"q.c{i} AS {quote(name)}")
        else:
            columns.append(
                f"CASE WHEN left(q.c{i}, 1) IN ({starts}) THEN chr(39) || q.c{i} ELSE q.c{i} END AS {quote(name)}"
            )
    aliases = ", ".join(f"c{i}" for i in range(len(fields)))
    statement = f"COPY (SELECT {', '.join(columns)} FROM ({sql}) AS q({aliases})) TO STDOUT WITH CSV HEADER"
    with connection.cursor() as cursor, open(path, "wb") as handle, cursor.cursor.copy(statement, params) as copy:
        for block in copy:
            handle.write(block)


def export_queryset(queryset: QuerySet, *, fields: list[str], fmt: str, path: Path, allow_copy: bool = True) -> int:
    """Write the leads of queryset to path; return the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    records = rows(queryset, fields)
    if fmt == "csv" and allow_copy and connection.vendor == "postgresql":
        copy_csv(queryset, fields, tmp)
        count = queryset.count()
    elif fmt == "xlsx":
        count = write_xlsx(tmp, fields, records)
    else:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            count = (write_csv if fmt == "csv" else write_json)(handle, fields, records)
    os.replace(tmp, path)
    return count


def export_operation(operation: BulkOperation) -> int:
    """The operation's export file over its succeeded items, stored in operation.result_file."""
    fmt = operation.parameters.get("format", "csv")
    fields = operation.parameters.get("fields") or list(DEFAULT_FIELDS)
    ids = operation.items.filter(status=ItemStatus.SUCCEEDED).values("object_id")
    queryset = Lead.objects.filter(location=operation.location, pk__in=ids)
    name = f"operation-results/leads-export-{operation.pk}.{fmt}"
    count = export_queryset(queryset, fields=fields, fmt=fmt, path=Path(settings.MEDIA_ROOT) / name)
    # The row count goes with the file (the live page's "N rows"); a lead deleted mid-run is no row.
    metadata = {**operation.metadata, ROWS_KEY: count}
    BulkOperation.objects.filter(pk=operation.pk).update(result_file=name, metadata=metadata)
    operation.result_file.name, operation.metadata = name, metadata
    return count


def export_file(operation: BulkOperation) -> ResultFile | None:
    """The completed export's file as the pages and the API serve it; None when there is none."""
    if operation.status != OperationStatus.COMPLETED or not operation.result_file:
        return None
    if not operation.result_file.storage.exists(operation.result_file.name):
        return None
    fmt = operation.parameters.get("format", "csv")
    return ResultFile(
        file=operation.result_file,
        filename=f"leads-export-{operation.pk}.{fmt}",
        content_type=CONTENT_TYPES.get(fmt, "application/octet-stream"),
        format_label=fmt.upper(),
        rows=operation.metadata.get(ROWS_KEY),
        page_url=reverse("lead_bulk:export_download", args=[operation.pk]),
    )


def may_download_export(user, operation: BulkOperation) -> bool:
    """May the user download this operation's export file (the policy's export.download: the person who
    made it, the location's managers and admins). Anyone else is answered 404: the file's existence stays
    private. Every path that serves an export file asks this."""
    return (
        operation.target == "leads"
        and operation.operation_type == "export"
        and policy.allows(user, policy.Action.EXPORT_DOWNLOAD, operation.location, owner_id=operation.created_by_id)
    )
