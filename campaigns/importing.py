"""The contact-file parser: CSV / TXT / XLSX / XLS in, E.164 contacts and per-row errors out.

The file's format is decided from its bytes, never from its name alone; the phone column is
found by its header words and, failing that, by its content; every other column is kept as
metadata. Row numbers are the spreadsheet's own (the header is row 1).
"""

from dataclasses import dataclass, field

from spreadsheets.reading import (
    SAMPLE_ROWS,
    UnreadableFile,
    guess_mapping,
    header_key,
    is_phone_header,
    looks_like_phone,
    normalize_number,
    read_table,
)

ContactFileError = UnreadableFile
"""The file as a whole cannot be read (wrong format, empty, no phone column...)."""


@dataclass(frozen=True)
class ParsedContact:
    row: int
    phone: str
    name: str
    metadata: dict


@dataclass(frozen=True)
class RowError:
    row: int
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "value": self.value, "message": self.message}


@dataclass
class ParseResult:
    contacts: list[ParsedContact] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicate_rows: list[int] = field(default_factory=list)
    file_format: str = ""
    encoding: str = ""
    delimiter: str = ""
    phone_column: str = ""
    name_column: str = ""
    has_header: bool = True

    @property
    def duplicates(self) -> int:
        return len(self.duplicate_rows)


def parse_contact_file(data: bytes, *, filename: str = "", default_region: str = "US") -> ParseResult:
    """Parse an uploaded contact file; raises ContactFileError for a file that cannot be used."""
    table = read_table(data, filename=filename)
    result = ParseResult(file_format=table.file_format, encoding=table.encoding, delimiter=table.delimiter)
    _build_contacts(table.rows, result, region=default_region.upper())
    return result


# --- columns ----------------------------------------------------------------------------


def _find_columns(rows: list[list[str]], region: str) -> tuple[bool, int, list[int], list[str]]:
    """(has_header, phone column, name columns, header keys)."""
    first = rows[0]
    keys = [header_key(value) for value in first]
    width = max(len(row) for row in rows[: SAMPLE_ROWS + 1])
    keys += [""] * (width - len(keys))
    phone_like_first = sum(looks_like_phone(v, region) for v in first if v)
    phone_headers = [i for i, key in enumerate(keys) if key and is_phone_header(key)]
    has_header = phone_like_first == 0 and any(key and not key.replace("_", "").isdigit() for key in keys)
    if not has_header:
        keys = [f"column_{i + 1}" for i in range(width)]
    data = rows[1:] if has_header else rows
    sample = [row for row in data[:SAMPLE_ROWS] if any(row)]
    shares = [_phone_share(sample, i, region) for i in range(width)]
    by_content = max(range(width), key=lambda i: (shares[i], -i))
    if has_header and phone_headers:
        # A phone header wins, the one whose content holds the most numbers first; a weak
        # header match ("No") whose column holds no numbers at all yields to the content.
        phone = max(phone_headers, key=lambda i: (shares[i], -i))
        if shares[phone] == 0 and shares[by_content] >= 0.5:
            phone = by_content
    elif shares[by_content] >= 0.5:
        phone = by_content
    else:
        raise ContactFileError("No column of phone numbers was found (no 'phone' header, no column of numbers).")
    names = []
    if has_header:
        fields = guess_mapping([key if i != phone else "" for i, key in enumerate(keys)])
        by_field = {name: keys.index(key) for key, name in fields.items()}
        names = [by_field[f] for f in ("name",) if f in by_field] or [
            by_field[f] for f in ("first_name", "last_name") if f in by_field
        ]
    return has_header, phone, names, keys


def _phone_share(sample: list[list[str]], column: int, region: str) -> float:
    values = [row[column] for row in sample if column < len(row) and row[column]]
    if not values:
        return 0.0
    return sum(looks_like_phone(v, region) for v in values) / len(sample)


# --- contacts ---------------------------------------------------------------------------


def _build_contacts(rows: list[list[str]], result: ParseResult, *, region: str) -> None:
    has_header, phone_col, name_cols, keys = _find_columns(rows, region)
    result.has_header = has_header
    result.phone_column = keys[phone_col] if has_header else f"column {phone_col + 1}"
    result.name_column = " + ".join(keys[i] for i in name_cols)
    meta_cols = [i for i in range(len(keys)) if i != phone_col and i not in name_cols]
    meta_keys = {i: keys[i] or f"column_{i + 1}" for i in meta_cols}
    seen: set[str] = set()
    offset = 2 if has_header else 1
    contacts, errors, duplicates = result.contacts, result.errors, result.duplicate_rows
    for index, row in enumerate(rows[1:] if has_header else rows):
        if not any(row):
            continue
        row_number = index + offset
        value = row[phone_col] if phone_col < len(row) else ""
        if not value:
            errors.append(RowError(row_number, "", "no phone number"))
            continue
        try:
            phone = normalize_number(value, region)
        except ValueError as exc:
            errors.append(RowError(row_number, value, str(exc)))
            continue
        if phone in seen:
            duplicates.append(row_number)
            continue
        seen.add(phone)
        name = " ".join(row[i] for i in name_cols if i < len(row) and row[i])
        metadata = {meta_keys[i]: row[i] for i in meta_cols if i < len(row) and row[i]}
        contacts.append(ParsedContact(row_number, phone, name, metadata))
    if not contacts and not errors:
        raise ContactFileError("The file has no contacts.")
