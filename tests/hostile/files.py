"""Builders of hostile upload files, written straight with zipfile so even huge ones are cheap."""

from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

_SHEET_PART = re.compile(r"</sheetData>")


def replace_part(data: bytes, name: str, content: bytes) -> bytes:
    """The archive with part ``name`` replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info))
        target.writestr(name, content)
    return out.getvalue()


def sheet_part(data: bytes, title: str) -> str:
    """The zip path of the worksheet called ``title``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet[^>]*name="{re.escape(title)}"[^>]*r:id="([^"]+)"', workbook).group(1)
    target = re.search(
        rf'<Relationship[^>]*Id="{rid}"[^>]*Target="([^"]+)"|'
        rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{rid}"',
        rels,
    )
    path = target.group(1) or target.group(2)
    return path.lstrip("/") if path.startswith("/") else f"xl/{path}"


def with_million_rows(data: bytes, title: str, rows: int = 1_000_000) -> bytes:
    """The workbook with ``rows`` extra rows streamed onto the end of sheet ``title``."""
    part = sheet_part(data, title)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename != part:
                target.writestr(info.filename, body)
                continue
            text = re.sub(rb"<dimension[^>]*/>", b"", body)
            head, tail = text.split(b"</sheetData>", 1)
            start = max(int(n) for n in re.findall(rb'<row r="(\d+)"', head)) + 1
            with target.open(part, "w", force_zip64=True) as entry:
                entry.write(head)
                for chunk in range(start, start + rows, 10_000):  # in chunks: one write per row is slow
                    end = min(chunk + 10_000, start + rows)
                    entry.write(
                        "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(chunk, end)).encode()
                    )
                entry.write(b"</sheetData>" + tail)
    return out.getvalue()


def with_cell(data: bytes, title: str, ref: str, cell_xml: str) -> bytes:
    """The workbook with cell ``ref`` of sheet ``title`` replaced by raw ``cell_xml``."""
    part = sheet_part(data, title)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read(part).decode()
    pattern = re.compile(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', re.S)
    assert pattern.search(body), f"{ref} not on {title}"
    return replace_part(data, part, pattern.sub(lambda _: cell_xml, body, count=1).encode())


def formula_cell(ref: str, formula: str, cached: str | None) -> str:
    value = f"<v>{escape(cached)}</v>" if cached is not None else ""
    return f'<c r="{ref}" t="str"><f>{escape(formula)}</f>{value}</c>'


def with_external_link(data: bytes) -> bytes:
    """The workbook carrying an external-link part, as a sheet that points at another file does."""
    link = (
        b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships" r:id="rId1"/></externalLink>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/externalLinkPath" Target="file:///C:/evil/other.xlsx" '
        b'TargetMode="External"/></Relationships>'
    )
    data = replace_part(data, "xl/externalLinks/externalLink1.xml", link)
    return replace_part(data, "xl/externalLinks/_rels/externalLink1.xml.rels", rels)


def with_macro(data: bytes) -> bytes:
    return replace_part(data, "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)


def zip_bomb(megabytes: int = 120) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            for _ in range(megabytes):
                entry.write(b"\0" * (1024 * 1024))
    return out.getvalue()


def with_styles_bloat(data: bytes, formats: int = 1_000_000) -> bytes:
    """styles.xml with ``formats`` cell formats (<xf>) whose attributes vary, so the file
    stays small (~2 MB) and under the compression-ratio check, as in the reported attack."""
    xfs = "".join(
        f'<xf numFmtId="{(i * 7919) % 164}" fontId="0" fillId="0" borderId="0" xfId="{i % 97}"/>'
        for i in range(formats)
    )
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/>'
        f'</borders><cellXfs count="{formats}">{xfs}</cellXfs></styleSheet>'
    )
    return replace_part(data, "xl/styles.xml", styles.encode())


def with_shared_strings_bloat(data: bytes, strings: int = 1_000_000) -> bytes:
    """sharedStrings.xml with ``strings`` distinct short strings, declared where the
    content types say (a file may name the part anything)."""
    body = "".join(f"<si><t>{i * 2654435761 % 10**9}</t></si>" for i in range(strings))
    part = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main" count="{strings}" uniqueCount="{strings}">{body}</sst>'
    )
    return replace_part(data, "xl/sharedStrings.xml", part.encode())


def with_doctype(data: bytes) -> bytes:
    """styles.xml behind a DTD that defines a nested entity (the billion-laughs shape)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        styles = archive.read("xl/styles.xml").decode()
    dtd = (
        '<!DOCTYPE styleSheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    styles = re.sub(r"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or "") + dtd, styles, count=1)
    return replace_part(data, "xl/styles.xml", styles.encode())
