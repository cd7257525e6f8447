"""Comparing saved workbooks part by part, for the tests of the fast writers."""
from __future__ import annotations

import io
import zipfile


def parts(data: bytes) -> dict[str, bytes]:
    """Every part of an .xlsx but docProps/core.xml (it holds the time of saving)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}


def openpyxl_bytes(wb) -> bytes:
    """The workbook as openpyxl's own ``wb.save`` writes it."""
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
