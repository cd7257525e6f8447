"""Safety checks for uploaded .xlsx files, before openpyxl parses them.

An .xlsx file is a zip archive of XML parts. openpyxl trusts the archive, so a
hostile or broken upload must be stopped here (stack.md, "Reading uploads"):

- ``read_upload_bytes`` reads a path, bytes or binary stream, bounded in size;
- ``check_xlsx_archive`` refuses non-zip content, macro workbooks, and archives
  whose entry count, declared uncompressed size or compression ratio would
  make parsing expensive (zip bombs);
- ``open_workbook`` runs the check and then opens the workbook read-only,
  with cached formula values and without external links.

Every refusal raises ``UnsafeUpload`` (a ``ValueError``) whose message is
Chinese and can be shown to the user as is. Importers wrap it in their own
error type (``table_reader.TargetTableError`` does) so callers catch one type.
"""
from __future__ import annotations

import io
import os
import zipfile
from typing import BinaryIO

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

NOT_XLSX = "文件不是有效的 Excel（.xlsx）文件"


class UnsafeUpload(ValueError):
    """An upload was refused before parsing; ``str(exc)`` is a Chinese message for the user."""


def read_upload_bytes(source: str | os.PathLike | bytes | BinaryIO, *,
                      max_bytes: int = MAX_FILE_BYTES) -> bytes:
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


def check_xlsx_archive(data: bytes, *, max_entries: int = MAX_ENTRIES,
                       max_total_size: int = MAX_TOTAL_UNCOMPRESSED,
                       max_ratio: int = MAX_RATIO) -> None:
    """Raise ``UnsafeUpload`` unless ``data`` looks like a reasonable macro-free .xlsx archive.

    The sizes checked are those the archive declares. That is enough, because
    Python's zipfile (which openpyxl reads through) never inflates an entry
    past its declared size: a lying entry fails its CRC check instead.
    """
    if data.startswith(OLE2_MAGIC):
        raise UnsafeUpload(f"{NOT_XLSX}：可能是旧版 .xls 或设置了打开密码的文件，"
                           "请在 Excel 中取消密码并另存为 .xlsx 后再上传")
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
        raise UnsafeUpload(f"文件解压后过大：约 {total // (1024 * 1024)} MB，"
                           f"超过 {max_total_size // (1024 * 1024)} MB 的上限")
    for e in entries:
        if e.file_size > RATIO_MIN_ENTRY_SIZE and e.file_size > max_ratio * max(e.compress_size, 1):
            raise UnsafeUpload(f"文件压缩比异常（部件 {e.filename} 超过 {max_ratio}:1），疑似压缩炸弹，已拒绝读取")


def open_workbook(data: bytes) -> Workbook:
    """Check ``data`` and open it read-only with cached values and no external links.

    The workbook reads lazily: corrupt sheet XML can still raise while rows
    are iterated, so callers must guard their iteration too. Close it after use.
    """
    check_xlsx_archive(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        # openpyxl's failures on malformed input are not a documented set
        # (KeyError for a missing part, XML syntax errors, zlib errors, ...).
        raise UnsafeUpload(f"{NOT_XLSX}，或文件已损坏，无法打开") from exc
