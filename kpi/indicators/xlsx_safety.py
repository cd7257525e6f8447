"""Safety checks for uploaded .xlsx files, before openpyxl parses them.

An .xlsx file is a zip archive of XML parts. openpyxl trusts the archive, so a
hostile or broken upload must be stopped here (docs/engineering.md §6):

- ``read_upload_bytes`` reads a path, bytes or binary stream, bounded in size;
- ``check_xlsx_archive`` refuses non-zip content, macro workbooks, and archives
  whose entry count, declared uncompressed size or compression ratio would
  make parsing expensive (zip bombs);
- ``check_xml_parts`` streams every XML part through expat before openpyxl sees
  it, and refuses a part whose element count, text or style/string records would
  cost openpyxl more memory than any real table needs (a 2 MB file whose
  styles.xml held 1,000,000 ``<xf>`` took 2.1 GB), or that declares a DTD;
- ``open_workbook`` runs both checks and then opens the workbook read-only,
  with cached formula values (or the formulas) and without external links.

Every refusal raises ``UnsafeUpload`` (a ``ValueError``) whose message is
Chinese and can be shown to the user as is. Importers wrap it in their own
error type (``table_reader.TargetTableError`` does) so callers catch one type.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections import Counter
from typing import BinaryIO
from xml.etree.ElementTree import ParseError, XMLParser

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

ZIP_MAGIC = b"PK\x03\x04"
# Old binary .xls files and password-protected .xlsx files are both OLE2
# compound documents; they get a more helpful message than "not a zip".
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_TOTAL_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200
# Small parts (styles, shared strings of a short sheet) legitimately compress
# very well; the ratio only matters once an entry is big enough to hurt.
RATIO_MIN_ENTRY_SIZE = 1024 * 1024

# What openpyxl keeps per record is ~0.5 kB for a cell format (<xf>) and a Python string for
# a shared string (<si>), so these bound its memory to a few tens of MB. Excel itself allows
# at most 64,000 cell formats; a unit's indicator table has a few hundred strings.
MAX_ELEMENTS_PER_PART = 2_000_000
MAX_TEXT_PER_PART = 32 * 1024 * 1024  # characters of text content in one part
MAX_RECORDS = {"xf": 65_000, "si": 300_000, "definedName": 10_000, "font": 65_000, "dxf": 65_000}
RECORD_LABELS = {"xf": "单元格格式", "si": "共享文本", "definedName": "名称定义", "font": "字体", "dxf": "条件格式样式"}
SCAN_CHUNK = 64 * 1024

NOT_XLSX = "文件不是有效的 Excel（.xlsx）文件"


class UnsafeUpload(ValueError):
    """An upload was refused before parsing; ``str(exc)`` is a Chinese message for the user."""


def read_upload_bytes(source: str | os.PathLike | bytes | BinaryIO, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Return the upload's bytes, refusing anything larger than ``max_bytes``."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        try:
            with open(source, "rb") as f:
                data = f.read(max_bytes + 1)
        except OSError as exc:
            raise UnsafeUpload(f"无法读取文件：{os.fspath(source)}") from exc
    else:
        data = source.read(max_bytes + 1)
        if not isinstance(data, bytes):
            raise UnsafeUpload("上传内容必须以二进制方式读取")
    if len(data) > max_bytes:
        raise UnsafeUpload(f"文件过大：超过 {max_bytes // (1024 * 1024)} MB 的上限")
    return data


def check_xlsx_archive(
    data: bytes,
    *,
    max_entries: int = MAX_ENTRIES,
    max_total_size: int = MAX_TOTAL_UNCOMPRESSED,
    max_ratio: int = MAX_RATIO,
) -> None:
    """Raise ``UnsafeUpload`` unless ``data`` looks like a reasonable macro-free .xlsx archive.

    The sizes checked are those the archive declares. That is enough, because
    Python's zipfile (which openpyxl reads through) never inflates an entry
    past its declared size: a lying entry fails its CRC check instead.
    """
    if data.startswith(OLE2_MAGIC):
        raise UnsafeUpload(
            f"{NOT_XLSX}：可能是旧版 .xls 或设置了打开密码的文件，请在 Excel 中取消密码并另存为 .xlsx 后再上传"
        )
    if not data.startswith(ZIP_MAGIC):
        raise UnsafeUpload(NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception as exc:
        # Besides BadZipFile, zipfile raises "not implemented" errors (unknown zip
        # version, multi-disk archives), ValueError, OSError, EOFError ...
        raise UnsafeUpload(f"{NOT_XLSX}，或文件已损坏") from exc

    if len(entries) > max_entries:
        raise UnsafeUpload(f"文件结构异常：压缩包内有 {len(entries)} 个部件，超过 {max_entries} 个的上限")
    if any(e.filename.lower().endswith("vbaproject.bin") for e in entries):
        raise UnsafeUpload("文件包含宏（.xlsm），出于安全原因不予读取，请另存为不含宏的 .xlsx 后再上传")
    total = sum(e.file_size for e in entries)
    if total > max_total_size:
        raise UnsafeUpload(
            f"文件解压后过大：约 {total // (1024 * 1024)} MB，超过 {max_total_size // (1024 * 1024)} MB 的上限"
        )
    for e in entries:
        if e.file_size > RATIO_MIN_ENTRY_SIZE and e.file_size > max_ratio * max(e.compress_size, 1):
            raise UnsafeUpload(f"文件压缩比异常（部件 {e.filename} 超过 {max_ratio}:1），疑似压缩炸弹，已拒绝读取")


class _TooCostly(Exception):
    """Raised from inside the expat callbacks to stop a scan; carries the Chinese reason."""


COSTLY = "，读取它所需的内存远超正常表格"


class _PartScan:
    """An expat target that counts a part's elements and text, and keeps nothing."""

    def __init__(self, part: str):
        self.part = part
        self.elements = 0
        self.text = 0
        self.records: Counter[str] = Counter()

    def start(self, tag: str, _attrib) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS_PER_PART:
            raise _TooCostly(f"部件 {self.part} 的元素超过 {MAX_ELEMENTS_PER_PART} 个{COSTLY}")
        name = tag.rpartition("}")[2]  # any namespace prefix: openpyxl's parser ignores it too
        if name in MAX_RECORDS:
            self.records[name] += 1
            if self.records[name] > MAX_RECORDS[name]:
                raise _TooCostly(f"部件 {self.part} 的{RECORD_LABELS[name]}超过 {MAX_RECORDS[name]} 个{COSTLY}")

    def data(self, text: str) -> None:
        self.text += len(text)
        if self.text > MAX_TEXT_PER_PART:
            raise _TooCostly(f"部件 {self.part} 的文字超过 {MAX_TEXT_PER_PART // (1024 * 1024)} MB{COSTLY}")

    def doctype(self, *_args) -> None:
        # Spreadsheet XML never declares a DTD; one is how entity-expansion attacks start.
        raise _TooCostly(f"部件 {self.part} 含有 DTD 声明（正常的 Excel 文件没有）")

    def end(self, _tag) -> None:
        pass

    def close(self) -> None:
        pass


def check_xml_parts(data: bytes) -> None:
    """Raise ``UnsafeUpload`` when any XML part would cost openpyxl too much to parse.

    Every part is scanned, whatever its name, because openpyxl finds shared strings through
    the content types, not a fixed name. Memory stays flat: expat streams the part in chunks
    into a target that only counts. A part that is not well-formed XML (an image, say) stops
    the scan and is left alone here: openpyxl parses with expat too (through defusedxml), so
    it could not read more of that part than this scan did.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                _scan_part(archive, info)


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    scan = _PartScan(info.filename)
    parser = XMLParser(target=scan)
    try:
        with archive.open(info) as part:
            while chunk := part.read(SCAN_CHUNK):
                parser.feed(chunk)  # an image or other binary part stops at once with a ParseError
        parser.close()
    except _TooCostly as reason:
        raise UnsafeUpload(f"文件结构异常：{reason}，已拒绝读取") from None
    except ParseError:
        return
    except Exception as exc:  # a bad CRC or a truncated entry
        raise UnsafeUpload(f"{NOT_XLSX}，或文件已损坏") from exc


def open_workbook(data: bytes, *, formulas: bool = False) -> Workbook:
    """Check ``data`` and open it read-only with no external links.

    Cells read as their cached values, or with ``formulas`` as the formulas themselves
    ("=SUM(A1:A3)"), which is how a formula without a cached value can be told from a blank.
    The workbook reads lazily: corrupt sheet XML can still raise while rows
    are iterated, so callers must guard their iteration too. Close it after use.
    """
    check_xlsx_archive(data)
    check_xml_parts(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=not formulas, keep_links=False)
    except Exception as exc:
        # openpyxl's failures on malformed input are not a documented set
        # (KeyError for a missing part, XML syntax errors, zlib errors, ...).
        raise UnsafeUpload(f"{NOT_XLSX}，或文件已损坏，无法打开") from exc
