"""Hostile files, built in the test: garbage, damaged workbooks, a zip bomb, huge files on disk."""

import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

from tests.factories import xlsx_bytes

MEGABYTE = 1024 * 1024


def garbage(size: int = 4096, seed: int = 0) -> bytes:
    """Random bytes, the same on every run."""
    return random.Random(seed).randbytes(size)


def truncated_xlsx() -> bytes:
    """A real workbook cut in half: its central directory is gone."""
    data = xlsx_bytes([["phone", "name"], ["+12125550101", "Ann"]])
    return data[: len(data) // 2]


def damaged_sheet_xlsx() -> bytes:
    """A sound archive whose worksheet XML stops in the middle of a row."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["phone"], ["+12125550101"], ["+12125550102"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: data.index(b"<row") + 20]
            target.writestr(info.filename, data)
    return buffer.getvalue()


def _deflate(data: bytes, *, final: bool) -> bytes:
    """A raw deflate block sequence, byte-aligned and without back-references into what precedes it."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP archive of members already deflated: (name, raw deflate data, crc32, uncompressed size)."""
    out, directory = io.BytesIO(), io.BytesIO()
    for name, data, crc, size in members:
        offset, encoded = out.tell(), name.encode()
        header = (8, 0, 0x21, crc, len(data), size, len(encoded), 0)  # deflate, time, date, sizes, name length
        out.write(struct.pack("<IHH" + "HHHIIIHH", 0x04034B50, 20, 0, *header) + encoded + data)
        directory.write(struct.pack("<IHHH" + "HHHIIIHH" + "HHHII", 0x02014B50, 20, 20, 0, *header, 0, 0, 0, 0, offset))
        directory.write(encoded)
    start, listing = out.tell(), directory.getvalue()
    out.write(listing)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(listing), start, 0))
    return out.getvalue()


def zip_bomb_xlsx(megabytes: int = 500) -> bytes:
    """A real workbook whose worksheet is valid XML padded with `megabytes` MB of spaces.

    About 1000:1: the file is a few hundred KB. One megabyte of spaces is deflated once and its
    block repeated, so building it takes milliseconds and never inflates anything. A parser that
    opens it streams the whole padding (openpyxl reads every byte looking for the next row).
    """
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["phone"], ["+12125550101"]])))
    members = []
    for info in source.infolist():
        data = source.read(info.filename)
        if info.filename != "xl/worksheets/sheet1.xml":
            members.append((info.filename, _deflate(data, final=True), zlib.crc32(data), len(data)))
            continue
        head, tail = data.split(b"<sheetData>")
        head += b"<sheetData>"
        spaces = b" " * MEGABYTE
        crc = zlib.crc32(head)
        for _ in range(megabytes):
            crc = zlib.crc32(spaces, crc)
        stream = _deflate(head, final=False) + _deflate(spaces, final=False) * megabytes + _deflate(tail, final=True)
        members.append((info.filename, stream, zlib.crc32(tail, crc), len(head) + megabytes * MEGABYTE + len(tail)))
    return _zip(members)


def big_file(path: Path, megabytes: int, first_line: bytes) -> Path:
    """A file of `megabytes` MB on disk, written a megabyte at a time: `first_line`, then padding rows."""
    padding = (b"padding\n" * (MEGABYTE // 8))[:MEGABYTE]
    with open(path, "wb") as handle:
        handle.write(first_line)
        for _ in range(megabytes):
            handle.write(padding)
    return path


def entity_expansion_xlsx() -> bytes:
    """A real workbook whose worksheet declares "billion laughs" entities (1e9 lol's from 1 KB)."""
    laughs = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    dtd = f'<!DOCTYPE worksheet [<!ENTITY lol0 "lol">{laughs}]>'
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["phone"], ["+12125550101"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                cell = b'<row r="9"><c r="A9" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
                data = dtd.encode() + data.replace(b"<sheetData>", b"<sheetData>" + cell, 1)
            target.writestr(info.filename, data)
    return buffer.getvalue()
