"""The one reader of uploaded people files, shared by lead import and campaign contact import.

Bytes in, a `Table` out: the format is decided from the bytes (CSV with any delimiter, TXT,
XLSX, XLS), text is decoded as UTF-8 or UTF-16 (with or without a BOM) and otherwise as
Windows-1252 unless the bytes clearly are another code page; headers in English, Spanish,
French, German and Portuguese are recognised as the fields of a person (`guess_mapping`);
phones become E.164 with a default region, emails are validated.
"""

import codecs
import csv
import io
import re
import unicodedata
import zipfile
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path

import phonenumbers
from charset_normalizer import from_bytes
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

DELIMITERS = ",;\t|"
SAMPLE_ROWS = 50
MAX_ROWS = 500_000
# A zip bomb named .xlsx is refused from the sizes its archive declares, before anything is
# inflated (zipfile never inflates a part past its declared size): worksheet XML deflates about
# 10:1, so a part packed more than MAX_INFLATE_RATIO:1, or a workbook unpacking to more than
# MAX_UNPACKED_FACTOR times the upload limit, is not a real list of people.
MAX_INFLATE_RATIO = 100
MAX_UNPACKED_FACTOR = 10
# Share of letters outside ASCII above which Windows-1252 text is taken for another code page
# (Cyrillic or Greek read as cp1252 is almost all accented letters; Western text is mostly ASCII).
WESTERN_MAX_NON_ASCII = 0.4

FIELDS = ("name", "first_name", "last_name", "email", "phone", "budget", "stage", "tags", "notes")
# Header words per field, after `header_key` (lower case, accents and punctuation gone):
# English, Spanish, French, German, Portuguese.
HEADERS = {
    "name": (
        "name full_name fullname contact_name contact contact_person person customer client customer_name "
        "nombre_completo nombre_y_apellidos nom_complet nom_et_prenom vollstandiger_name kontakt "
        "nome_completo cliente"
    ),
    "first_name": "first_name firstname first given_name forename primer_nombre prenom vorname primeiro_nome",
    "last_name": (
        "last_name lastname last surname family_name apellido apellidos nom_de_famille nachname "
        "familienname sobrenome apelido ultimo_nome"
    ),
    "email": (
        "email e_mail mail email_address e_mail_address correo correo_electronico email_adresse "
        "courriel adresse_email adresse_e_mail adresse_mail e_mail_adresse emailadresse endereco_de_email"
    ),
    "phone": (
        "phone mobile cell telephone tel phone_number mobile_phone cell_phone telefono movil celular "
        "numero_de_telefono telephone_portable portable numero_de_telephone telefon handy mobiltelefon "
        "telefonnummer mobilnummer telemovel numero_de_celular whatsapp msisdn gsm"
    ),
    "budget": "budget max_budget presupuesto budget_max prix_max preis orcamento price precio prix",
    "stage": "stage status pipeline_stage lead_stage etapa estado fase etape statut phase stufe estagio",
    "tags": "tags tag labels label etiquetas etiqueta etiquettes etiquette schlagworter schlagwort marcadores",
    "notes": (
        "notes note comments comment notas nota comentarios comentario remarques remarque commentaires "
        "commentaire notizen notiz bemerkungen bemerkung kommentar observacoes observacao"
    ),
}
HEADER_FIELD = {word: name for name, words in HEADERS.items() for word in words.split()}
# Words that mean a first (or last) name beside the other half and the whole name alone:
# Spanish "Nombre" + "Apellido", French "Prénom" + "Nom", German "Vorname" + "Name".
PAIRED_NAMES = {"nombre": "first_name", "nome": "first_name", "nom": "last_name", "name": "last_name"}
# Phone headers beyond the list: words starting like these ("Mobile Phone", "Telefonnummer 2")
# and short exact ones ("No", "Tlf").
PHONE_PREFIXES = ("phone", "mobile", "cell", "tel", "number", "msisdn", "whatsapp", "gsm", "handy", "movil")
PHONE_EXACT = ("no", "nr", "num", "mob", "tlf", "fon")


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (wrong format, empty, too large, a zip bomb...)."""


@dataclass
class Table:
    """The rows of a file as text cells (header row included), and how they were read."""

    rows: list[list[str]]
    file_format: str
    encoding: str = ""
    delimiter: str = ""


def read_table(data: bytes, *, filename: str = "") -> Table:
    """Read an uploaded file into text rows; raise UnreadableFile for a file that cannot be used."""
    if len(data) > settings.MAX_UPLOAD_SIZE:
        raise UnreadableFile(f"The file is larger than {settings.MAX_UPLOAD_SIZE / (1024 * 1024):g} MB.")
    if not data or not data.strip():
        raise UnreadableFile("The file is empty.")
    file_format = _detect_format(data, filename)
    table = Table(rows=[], file_format=file_format)
    if file_format == "xlsx":
        raw_rows = _xlsx_rows(data)
    elif file_format == "xls":
        raw_rows = _xls_rows(data)
    else:
        text, table.encoding = decode(data)
        raw_rows, table.delimiter = _text_rows(text)
    if len(raw_rows) > MAX_ROWS + 1:
        raise UnreadableFile(f"The file has more than {MAX_ROWS:,} rows.")
    rows = [[cell_text(cell) for cell in row] for row in raw_rows]
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise UnreadableFile("The file has no rows.")
    table.rows = rows
    return table


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
        raise UnreadableFile("The file is a ZIP archive but not an Excel workbook (.xlsx).")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if name.endswith((".xlsx", ".xls")):
        raise UnreadableFile(f"'{filename}' is named like an Excel workbook but is not one.")
    head = data[:4096]
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(head) is not None
    if not utf16 and (b"\x00" in head or _control_ratio(head) > 0.05):
        raise UnreadableFile("The file is not a spreadsheet or a text file (CSV, TXT, XLSX, XLS).")
    return "txt" if name.endswith(".txt") else "csv"


def _control_ratio(chunk: bytes) -> float:
    control = sum(1 for b in chunk if b < 32 and b not in (9, 10, 13))
    return control / max(len(chunk), 1)


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when every other byte is NUL, as in UTF-16 text of Latin script."""
    pairs = len(head) // 2
    if pairs < 2:
        return None
    odd_nuls = head[1 : pairs * 2 : 2].count(0)
    even_nuls = head[0 : pairs * 2 : 2].count(0)
    if odd_nuls >= 0.6 * pairs and even_nuls == 0:
        return "utf-16-le"
    if even_nuls >= 0.6 * pairs and odd_nuls == 0:
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): BOMs first, UTF-16 without one, UTF-8, then Windows-1252 for Western text."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _strict(data, encoding), encoding
    utf16 = _utf16_without_bom(data[:4096])
    if utf16:
        return _strict(data, utf16), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None  # bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D): not Windows-1252
    if text is not None and _looks_western(text):
        return text, "cp1252"
    best = from_bytes(data[:65536]).best()
    if best is not None:
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("cp1252", errors="replace"), "cp1252"


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        message = f"The file is not valid {encoding.upper()} text: {exc.reason} at byte {exc.start}."
        raise UnreadableFile(message) from None


def _looks_western(text: str) -> bool:
    letters = [ch for ch in text[:65536] if ch.isalpha()]
    if not letters:
        return True
    return sum(not ch.isascii() for ch in letters) / len(letters) <= WESTERN_MAX_NON_ASCII


def _text_rows(text: str) -> tuple[list[list], str]:
    if "\x00" in text:
        raise UnreadableFile("The file holds NUL characters: it is not a text file (CSV, TXT).")
    lines = [line for line in text.splitlines()[:SAMPLE_ROWS] if line.strip()]
    if not lines:
        raise UnreadableFile("The file has no rows.")
    try:
        delimiter = sniff_delimiter(lines)
        # newline="": rows may end in \r\n, \n or a lone \r (old Mac exports).
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UnreadableFile(f"The file cannot be read as CSV: {exc}.") from None
    return rows, delimiter


def sniff_delimiter(lines: list[str]) -> str:
    """csv.Sniffer's delimiter when it splits the sample evenly, else the most consistent one."""
    scores = {delimiter: _split_score(lines, delimiter) for delimiter in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in scores and scores[sniffed] >= 1 and scores[sniffed] >= max(scores.values()):
        return sniffed
    best = max(DELIMITERS, key=lambda d: scores[d])
    return best if scores[best] > 0 else ","


def _split_score(lines: list[str], delimiter: str) -> float:
    """1 + a little per column when every line splits into the same number (>1) of columns."""
    counts = [len(next(csv.reader([line], delimiter=delimiter))) for line in lines]
    if max(counts) < 2:
        return 0.0
    most = max(set(counts), key=counts.count)
    return counts.count(most) / len(counts) + min(most, 10) / 100


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        _check_unpacked_size(archive)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableFile(f"The Excel workbook cannot be read: {exc}.") from exc
    try:
        rows = []
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except Exception as exc:  # a damaged worksheet inside a sound archive
        raise UnreadableFile(f"The Excel workbook cannot be read: {exc}.") from exc
    finally:
        workbook.close()


def _check_unpacked_size(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook that would unpack to far more than a real one (a zip bomb)."""
    megabyte = 1024 * 1024
    limit = settings.MAX_UPLOAD_SIZE * MAX_UNPACKED_FACTOR
    parts = archive.infolist()
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limit:
        raise UnreadableFile(
            f"The workbook would unpack to {unpacked / megabyte:,.0f} MB, more than the"
            f" {limit / megabyte:,.0f} MB allowed; it was not read."
        )
    for part in parts:
        if part.file_size > megabyte and part.file_size > MAX_INFLATE_RATIO * max(part.compress_size, 1):
            raise UnreadableFile(
                f"The workbook's part {part.filename} is packed {part.file_size // max(part.compress_size, 1):,}:1,"
                " like a zip bomb; it was not read."
            )


def _xls_rows(data: bytes) -> list[list]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data)
    except Exception as exc:
        raise UnreadableFile(f"The Excel 97-2003 workbook cannot be read: {exc}.") from exc
    sheet = book.sheet_by_index(0)
    return [sheet.row_values(i) for i in range(min(sheet.nrows, MAX_ROWS + 2))]


# --- headers ---------------------------------------------------------------------------


def header_key(value) -> str:
    """'Teléfono móvil' -> 'telefono_movil': lower case, accents and punctuation gone."""
    text = unicodedata.normalize("NFKD", cell_text(value).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("ß", "ss")
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def is_phone_header(key: str) -> bool:
    words = [w for w in key.split("_") if w]
    return HEADER_FIELD.get(key) == "phone" or key in PHONE_EXACT or any(w.startswith(PHONE_PREFIXES) for w in words)


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Header -> field for the headers recognised (each field at most once, the first column wins)."""
    keys = [header_key(header) for header in headers]
    has_first = any(HEADER_FIELD.get(k) == "first_name" for k in keys)
    has_last = any(HEADER_FIELD.get(k) == "last_name" for k in keys)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header, key in zip(headers, keys, strict=True):
        field = HEADER_FIELD.get(key)
        if key in PAIRED_NAMES:
            half = PAIRED_NAMES[key]
            other_half_present = has_last if half == "first_name" else has_first
            field = half if other_half_present else "name"
        elif field is None and is_phone_header(key):
            field = "phone"
        if field and field not in taken and header:
            mapping[header] = field
            taken.add(field)
    return mapping


# --- values ----------------------------------------------------------------------------


def cell_text(value) -> str:
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


def plain_number(value: str) -> str:
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
    raw = plain_number(value.strip())
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


def looks_like_phone(value: str, region: str) -> bool:
    digits = sum(ch.isdigit() for ch in value)
    if digits < 6 or digits > 17:
        return False
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(plain_number(value), region))
    except phonenumbers.NumberParseException:
        return False


def normalize_email(value: str) -> str:
    """The address with its domain in lower case, or raise ValueError."""
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError("not a valid email address") from None
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


@cache
def region_for_timezone(name: str) -> str:
    """The country (ISO 3166 alpha-2) of an IANA time zone, 'US' when it names none (UTC)."""
    for line in _zone_table().splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and not line.startswith("#") and parts[2] == name:
            return parts[0]
    return "US"


def _zone_table() -> str:
    """The system's zone.tab, else the tzdata package's."""
    for root in zoneinfo.TZPATH:
        path = Path(root) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
