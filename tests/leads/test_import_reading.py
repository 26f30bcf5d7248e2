"""The shared reader (spreadsheets.reading) and lead row parsing on messy real-world files."""

import codecs

import pytest

from campaigns.importing import parse_contact_file
from leads.importing import parse_budget, parse_leads
from spreadsheets.reading import UnreadableFile, decode, guess_mapping, read_table, region_for_timezone
from tests.factories import xlsx_bytes

OPTIONS = {"region": "US", "match_on": "email_or_phone"}


def test_cp1252_csv_keeps_jose_nunez_intact():
    data = "Name,Email\nJosé Núñez,jose@example.com\nFrançois Çağ,f@example.com\n".encode("cp1252", errors="replace")
    text, encoding = decode(data)
    assert encoding == "cp1252"
    assert "José Núñez" in text


def test_campaign_contact_import_reads_jose_nunez_from_cp1252_through_the_shared_reader():
    data = "Nombre;Teléfono\nJosé Núñez;+34 612 34 56 78\n".encode("cp1252")
    result = parse_contact_file(data, filename="contactos.csv", default_region="ES")
    assert result.encoding == "cp1252"
    assert [(c.name, c.phone) for c in result.contacts] == [("José Núñez", "+34612345678")]
    assert result.name_column == "nombre"


def test_cyrillic_cp1251_is_not_taken_for_cp1252():
    data = "Имя,Телефон\nИван Петров,+74951234567\n".encode("cp1251")  # noqa: RUF001
    text, encoding = decode(data)
    assert "Иван Петров" in text
    assert encoding != "cp1252"


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-le", b""), ("utf-8", b"")],
)
def test_utf16_with_and_without_bom_and_utf8(encoding, bom):
    data = bom + "Nom\tPrénom\tCourriel\nNúñez\tJosé\tjose@example.com\n".encode(encoding)
    table = read_table(data, filename="export.txt")
    assert table.delimiter == "\t"
    assert table.rows == [["Nom", "Prénom", "Courriel"], ["Núñez", "José", "jose@example.com"]]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ["Nombre", "Apellidos", "Correo electrónico", "Teléfono", "Presupuesto", "Etapa", "Etiquetas", "Notas"],
            ["first_name", "last_name", "email", "phone", "budget", "stage", "tags", "notes"],
        ),
        (
            ["Prénom", "Nom", "Courriel", "Téléphone", "Budget", "Statut", "Étiquettes", "Remarques"],
            ["first_name", "last_name", "email", "phone", "budget", "stage", "tags", "notes"],
        ),
        (
            ["Vorname", "Nachname", "E-Mail", "Telefonnummer", "Budget", "Phase", "Schlagwörter", "Notizen"],
            ["first_name", "last_name", "email", "phone", "budget", "stage", "tags", "notes"],
        ),
        (
            ["Nome", "Sobrenome", "E-mail", "Telemóvel", "Orçamento", "Estágio", "Marcadores", "Observações"],
            ["first_name", "last_name", "email", "phone", "budget", "stage", "tags", "notes"],
        ),
        (["Full Name", "Email Address", "Mobile Phone"], ["name", "email", "phone"]),
        (["Nombre", "Teléfono"], ["name", "phone"]),
        (["Nom", "Téléphone"], ["name", "phone"]),
    ],
)
def test_headers_in_five_languages(headers, expected):
    assert guess_mapping(headers) == dict(zip(headers, expected, strict=True))


def test_semicolon_file_with_spanish_headers_parses_every_field():
    data = (
        "Nombre;Apellidos;Correo;Teléfono;Presupuesto;Etapa;Etiquetas;Notas\n"
        "José;Núñez;JOSE@Example.COM;612 34 56 78;350.000 €;Contactado;vip, playa;Llamar el lunes\n"
    ).encode("cp1252")
    parsed = parse_leads(data, filename="leads.csv", options={**OPTIONS, "region": "ES"})
    [row] = parsed.rows
    assert row.problems == []
    assert row.values == {
        "first_name": "José",
        "last_name": "Núñez",
        "email": "JOSE@example.com",
        "phone": "+34612345678",
        "budget": "350000.00",
        "stage": "contacted",
        "tags": ["vip", "playa"],
        "notes": "Llamar el lunes",
    }


def test_bad_values_become_row_problems_and_in_file_duplicates_are_marked():
    data = (
        b"Name,Email,Phone,Stage,Budget\n"
        b"Ann Lee,ann@example.com,(202) 555-0143,new,\n"
        b"Bad Mail,not-an-email,,,\n"
        b"Bad Phone,,12345,,\n"
        b"Odd Stage,odd@example.com,,sleeping,abc\n"
        b"Ann Again,ANN@example.com,,,\n"
    )
    parsed = parse_leads(data, filename="x.csv", options=OPTIONS)
    problems = {row.row_number: row.problems for row in parsed.rows}
    assert problems[2] == []
    assert problems[3] == [["email", "not a valid email address: 'not-an-email'"]]
    assert problems[4][0][0] == "phone"
    assert [p[0] for p in problems[5]] == ["budget", "stage"]
    assert parsed.rows[-1].duplicate_of == 2


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$350,000", "350000.00"),
        ("350.000 €", "350000.00"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("350k", "350000.00"),
        ("99,5", "99.50"),
        ("EUR 1 200", "1200.00"),
    ],
)
def test_budgets_as_people_type_them(text, amount):
    assert str(parse_budget(text)) == amount


def test_xlsx_with_numbers_stored_as_numbers():
    data = xlsx_bytes([["First Name", "Last Name", "Phone"], ["Ann", "Lee", 2025550143]])
    parsed = parse_leads(data, filename="book.xlsx", options=OPTIONS)
    assert parsed.rows[0].values == {"first_name": "Ann", "last_name": "Lee", "phone": "+12025550143"}


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"\x00\x01\x02\x03binary" * 100, "not a spreadsheet"), (b"PK\x03\x04broken", "ZIP")],
)
def test_unreadable_files(data, message):
    with pytest.raises(UnreadableFile, match=message):
        read_table(data, filename="x.csv")


def test_region_follows_the_location_time_zone():
    assert region_for_timezone("Europe/Madrid") == "ES"
    assert region_for_timezone("America/Sao_Paulo") == "BR"
    assert region_for_timezone("UTC") == "US"
