"""The contact-file parser over messy real-world files, each with the exact contacts and errors expected."""

import io

import pytest

from campaigns.importing import ContactFileError, ParsedContact, RowError, parse_contact_file
from tests.factories import xlsx_bytes


def test_phone_only_csv_imports_every_number():
    result = parse_contact_file(b"phone\n+12025551234\n(415) 555-2671\n", filename="a.csv")
    assert result.contacts == [
        ParsedContact(2, "+12025551234", "", {}),
        ParsedContact(3, "+14155552671", "", {}),
    ]
    assert result.errors == []


def test_utf8_bom_and_extra_columns_become_metadata():
    data = "Phone,Name,Company,Email,Notes\r\n+12025551234,John Doe,Acme Inc,j@acme.test,call after 3\r\n".encode(
        "utf-8-sig"
    )
    result = parse_contact_file(data, filename="leads.csv")
    assert result.encoding == "utf-8-sig"
    assert result.phone_column == "phone"
    assert result.contacts == [
        ParsedContact(
            2, "+12025551234", "John Doe", {"company": "Acme Inc", "email": "j@acme.test", "notes": "call after 3"}
        )
    ]


def test_semicolons_and_cp1252_accents_with_a_german_default_region():
    data = "Name;Telefon;Stadt\nJürgen Müller;030 1234567;Köln\nRené Größ;0151 23456789;Düsseldorf\n".encode("cp1252")
    result = parse_contact_file(data, filename="kontakte.csv", default_region="DE")
    assert result.delimiter == ";"
    assert result.encoding == "cp1252"
    assert result.contacts == [
        ParsedContact(2, "+49301234567", "Jürgen Müller", {"stadt": "Köln"}),
        ParsedContact(3, "+4915123456789", "René Größ", {"stadt": "Düsseldorf"}),
    ]


def test_xlsx_numbers_stored_as_numbers():
    data = xlsx_bytes([["Mobile", "Name", "Score"], [12025551234, "Ann", 7], [4155552671.0, "Bob", 3.5]])
    result = parse_contact_file(data, filename="book.xlsx")
    assert result.file_format == "xlsx"
    assert result.contacts == [
        ParsedContact(2, "+12025551234", "Ann", {"score": "7"}),
        ParsedContact(3, "+14155552671", "Bob", {"score": "3.5"}),
    ]


def test_csv_numbers_in_scientific_notation_kept_when_exact_and_refused_when_truncated():
    data = b"number,name\n1.2025551234E+10,Ann\n1.20256E+10,Bob\n"
    result = parse_contact_file(data, filename="export.csv")
    assert result.contacts == [ParsedContact(2, "+12025551234", "Ann", {})]
    assert result.errors == [
        RowError(3, "1.20256E+10", "number in scientific notation has lost digits (format the column as text)")
    ]


def test_headers_without_a_phone_word_find_the_column_by_content():
    data = b"Contact Person,Company,Direct Line\nAnn Lee,Acme,202-555-1234\nBob Roe,Initech,415.555.2671\n"
    result = parse_contact_file(data, filename="x.csv")
    assert result.phone_column == "direct_line"
    assert result.contacts == [
        ParsedContact(2, "+12025551234", "Ann Lee", {"company": "Acme"}),
        ParsedContact(3, "+14155552671", "Bob Roe", {"company": "Initech"}),
    ]


def test_no_header_row_at_all():
    result = parse_contact_file(b"2025551234\n4155552671\n", filename="numbers.txt")
    assert result.has_header is False
    assert [(c.row, c.phone) for c in result.contacts] == [(1, "+12025551234"), (2, "+14155552671")]


def test_international_numbers_keep_their_country_and_00_prefix_works():
    data = (
        b"tel,first name,last name\n+44 20 7946 0958,Ada,Lovelace\n"
        b"0033 1 42 68 53 00,Marie,Curie\n+81 3-3224-9999,Ken,Sato\n"
    )
    result = parse_contact_file(data, filename="intl.csv")
    assert result.contacts == [
        ParsedContact(2, "+442079460958", "Ada Lovelace", {}),
        ParsedContact(3, "+33142685300", "Marie Curie", {}),
        ParsedContact(4, "+81332249999", "Ken Sato", {}),
    ]


def test_bad_rows_are_reported_with_row_numbers_and_good_rows_still_imported():
    data = (
        b"phone,name\n+12025551234,Ann\nnot a number,Bob\n,Cy\n\n12345,Dee\n"
        b"+1 202 555 1234,Ann again\n+14155552671,Eve\n"
    )
    result = parse_contact_file(data, filename="mixed.csv")
    assert result.contacts == [
        ParsedContact(2, "+12025551234", "Ann", {}),
        ParsedContact(8, "+14155552671", "Eve", {}),
    ]
    assert result.errors == [
        RowError(3, "not a number", "not a phone number (the string supplied did not seem to be a phone number)"),
        RowError(4, "", "no phone number"),
        RowError(6, "12345", "not a valid phone number"),
    ]
    assert result.duplicate_rows == [7]


def test_tab_separated_txt_with_utf16_bom():
    data = "Cell\tName\n(202) 555-1234\tAnn\n".encode("utf-16")
    result = parse_contact_file(data, filename="c.txt")
    assert result.delimiter == "\t"
    assert result.contacts == [ParsedContact(2, "+12025551234", "Ann", {})]


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"phone,name\n"])
def test_empty_files_are_refused(data):
    with pytest.raises(ContactFileError):
        parse_contact_file(data, filename="empty.csv")


def test_a_file_with_rows_but_no_phone_column_is_refused():
    with pytest.raises(ContactFileError, match="No column of phone numbers"):
        parse_contact_file(b"name,city\nAnn,Paris\nBob,Rome\n", filename="x.csv")


def test_binary_file_is_not_a_spreadsheet():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(range(256))
    with pytest.raises(ContactFileError, match="not a spreadsheet"):
        parse_contact_file(png, filename="photo.csv")


def test_file_named_xlsx_that_is_csv_text_is_refused():
    with pytest.raises(ContactFileError, match="not one"):
        parse_contact_file(b"phone\n+12025551234\n", filename="contacts.xlsx")


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ContactFileError, match="not an Excel workbook"):
        parse_contact_file(buffer.getvalue(), filename="contacts.xlsx")


def test_a_damaged_xls_workbook_is_refused_with_a_clear_error():
    ole_header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    with pytest.raises(ContactFileError, match="Excel 97-2003 workbook cannot be read"):
        parse_contact_file(ole_header, filename="old.xls")
