"""The contact-file parser: CSV / TXT / XLSX / XLS in, E.164 contacts and per-row errors out.

The file's format is decided from its bytes, never from its name alone; the phone column is
found by its header words and, failing that, by its content; every other column is kept as
metadata. Row numbers are the spreadsheet's own (the header is row 1).
"""

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import phonenumbers
from charset_normalizer import from_bytes
from django.conf import settings

PHONE_WORDS = ("phone", "mobile", "cell", "tel", "telephone", "number", "msisdn", "whatsapp", "gsm", "handy")
PHONE_EXACT = ("no", "nr", "num", "mob", "tlf", "fon")
NAME_WORDS = (
    "name",
    "full_name",
    "fullname",
    "contact_name",
    "contact",
    "contact_person",
    "person",
    "customer",
    "client",
)
FIRST_NAME_WORDS = ("first_name", "firstname", "first", "given_name", "forename")
LAST_NAME_WORDS = ("last_name", "lastname", "last", "surname", "family_name")
DELIMITERS = ",;\t|"
SAMPLE_ROWS = 50
MAX_ROWS = 500_000
# A zip bomb named .xlsx is refused from the sizes its archive declares, before anything is
# inflated (zipfile never inflates a part past its declared size): worksheet XML deflates about
# 10:1, so a part packed more than MAX_INFLATE_RATIO:1, or a workbook unpacking to more than
# MAX_UNPACKED_FACTOR times the upload limit, is not a real contact list.
MAX_INFLATE_RATIO = 100
MAX_UNPACKED_FACTOR = 10


class ContactFileError(ValueError):
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
    if not data or not data.strip():
        raise ContactFileError("The file is empty.")
    file_format = _detect_format(data, filename)
    result = ParseResult(file_format=file_format)
    if file_format == "xlsx":
        rows = _xlsx_rows(data)
    elif file_format == "xls":
        rows = _xls_rows(data)
    else:
        text, result.encoding = _decode(data)
        rows, result.delimiter = _text_rows(text)
    _build_contacts(rows, result, region=default_region.upper())
    return result


# --- format and encoding ---------------------------------------------------------------


def _detect_format(data: bytes, filename: str) -> str:
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if any(n.startswith("xl/") for n in archive.namelist()):
                    return "xlsx"
        except zipfile.BadZipFile:
            pass
        raise ContactFileError("The file is a ZIP archive but not an Excel workbook (.xlsx).")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if name.endswith((".xlsx", ".xls")):
        raise ContactFileError(f"'{filename}' is named like an Excel workbook but is not one.")
    head = data[:4096]
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and (b"\x00" in head or _control_ratio(head) > 0.05):
        raise ContactFileError("The file is not a spreadsheet or a text file (CSV, TXT, XLSX, XLS).")
    return "txt" if name.endswith(".txt") else "csv"


def _control_ratio(chunk: bytes) -> float:
    control = sum(1 for b in chunk if b < 32 and b not in (9, 10, 13))
    return control / max(len(chunk), 1)


def _decode(data: bytes) -> tuple[str, str]:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:65536]).best()
    encoding = best.encoding if best is not None else "cp1252"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return data.decode("cp1252", errors="replace"), "cp1252"
    try:
        # Western files are the common case: when cp1252 reads the same text, call it that.
        if data.decode("cp1252") == text:
            return text, "cp1252"
    except UnicodeDecodeError:
        pass
    return text, encoding


def _text_rows(text: str) -> tuple[list[list], str]:
    if "\x00" in text:
        raise ContactFileError("The file holds NUL characters: it is not a text file (CSV, TXT).")
    lines = [line for line in text.splitlines()[:SAMPLE_ROWS] if line.strip()]
    if not lines:
        raise ContactFileError("The file has no rows.")
    try:
        delimiter = _sniff_delimiter(lines)
        # newline="": rows may end in \r\n, \n or a lone \r (old Mac exports).
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ContactFileError(f"The file cannot be read as CSV: {exc}.") from None
    return rows, delimiter


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample lines into the same number (>1) of columns."""
    best, best_score = ",", 0.0
    for delimiter in DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=delimiter))) for line in lines]
        if max(counts) < 2:
            continue
        most = max(set(counts), key=counts.count)
        score = counts.count(most) / len(counts) + min(most, 10) / 100
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        _check_unpacked_size(archive)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ContactFileError(f"The Excel workbook cannot be read: {exc}.") from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    except Exception as exc:  # a damaged worksheet inside a sound archive
        raise ContactFileError(f"The Excel workbook cannot be read: {exc}.") from exc
    finally:
        workbook.close()


def _check_unpacked_size(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook that would unpack to far more than a real one (a zip bomb)."""
    megabyte = 1024 * 1024
    limit = settings.MAX_UPLOAD_SIZE * MAX_UNPACKED_FACTOR
    parts = archive.infolist()
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limit:
        raise ContactFileError(
            f"The workbook would unpack to {unpacked / megabyte:,.0f} MB, more than the"
            f" {limit / megabyte:,.0f} MB allowed; it was not read."
        )
    for part in parts:
        if part.file_size > megabyte and part.file_size > MAX_INFLATE_RATIO * max(part.compress_size, 1):
            raise ContactFileError(
                f"The workbook's part {part.filename} is packed {part.file_size // max(part.compress_size, 1):,}:1,"
                " like a zip bomb; it was not read."
            )


def _xls_rows(data: bytes) -> list[list]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data)
    except Exception as exc:
        raise ContactFileError(f"The Excel 97-2003 workbook cannot be read: {exc}.") from exc
    sheet = book.sheet_by_index(0)
    return [sheet.row_values(i) for i in range(sheet.nrows)]


# --- columns ----------------------------------------------------------------------------


def _header_key(value) -> str:
    return re.sub(r"[^0-9a-z]+", "_", _cell_text(value).lower()).strip("_")


def _is_phone_header(key: str) -> bool:
    words = key.split("_")
    return key in PHONE_EXACT or any(w.startswith(PHONE_WORDS) for w in words if w) or key.startswith("tel")


def _looks_like_phone(value: str, region: str) -> bool:
    digits = sum(ch.isdigit() for ch in value)
    if digits < 6 or digits > 17:
        return False
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(_plain_number(value), region))
    except phonenumbers.NumberParseException:
        return False


def _find_columns(rows: list[list[str]], region: str) -> tuple[bool, int, list[int], list[str]]:
    """(has_header, phone column, name columns, header keys)."""
    first = rows[0]
    keys = [_header_key(value) for value in first]
    width = max(len(row) for row in rows[: SAMPLE_ROWS + 1])
    keys += [""] * (width - len(keys))
    phone_like_first = sum(_looks_like_phone(v, region) for v in first if v)
    phone_headers = [i for i, key in enumerate(keys) if key and _is_phone_header(key)]
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
    names = [i for i, key in enumerate(keys) if i != phone and key in NAME_WORDS]
    if not names:
        first_names = [i for i, key in enumerate(keys) if i != phone and key in FIRST_NAME_WORDS]
        last_names = [i for i, key in enumerate(keys) if i != phone and key in LAST_NAME_WORDS]
        names = first_names[:1] + last_names[:1]
    return has_header, phone, names, keys


def _phone_share(sample: list[list[str]], column: int, region: str) -> float:
    values = [row[column] for row in sample if column < len(row) and row[column]]
    if not values:
        return 0.0
    return sum(_looks_like_phone(v, region) for v in values) / len(sample)


# --- values -----------------------------------------------------------------------------


def _cell_text(value) -> str:
    """A cell as text; numbers that Excel stored as numbers lose their '.0' and exponent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


_SCIENTIFIC = re.compile(r"^\+?\d(?:[.,]\d+)?[eE]\+?\d+$")


def _plain_number(value: str) -> str:
    """'1.2025551234E+10' (a number as Excel writes it in CSV) -> '12025551234'."""
    if _SCIENTIFIC.match(value):
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            return value
        mantissa_digits = len(number.as_tuple().digits)
        # 1.20256E+10 kept 6 of 11 digits: the rest are gone, not zeros.
        if number == number.to_integral_value() and mantissa_digits >= len(str(int(number))):
            return str(int(number))
    if value.endswith(".0") and value[:-2].isdigit():
        return value[:-2]
    return value


def normalize_number(value: str, region: str) -> str:
    """E.164 for a number as typed, or raise ValueError with a reason a person understands."""
    raw = _plain_number(value.strip())
    if _SCIENTIFIC.match(raw):
        raise ValueError("number in scientific notation has lost digits (format the column as text)")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number ({exc._msg.rstrip('.').lower()})") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _build_contacts(raw_rows: list[list], result: ParseResult, *, region: str) -> None:
    rows = [[_cell_text(cell) for cell in row] for row in raw_rows[: MAX_ROWS + 1]]
    if len(raw_rows) > MAX_ROWS + 1:
        raise ContactFileError(f"The file has more than {MAX_ROWS:,} rows.")
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise ContactFileError("The file has no rows.")
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
