"""Do the workbooks print on A4 landscape? LibreOffice renders them to PDF and the pages are measured.

Needs Debian's `libreoffice-calc` (`soffice`). Without it the test is skipped, unless
KPI_REQUIRE_LIBREOFFICE=1 (as in CI) makes it fail instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zlib

import pytest
from sqlmodel import Session

from kpi import db
from kpi.budget import service as budget
from kpi.finance import service
from kpi.progress.workbook import build_progress_workbook
from tests.finance.gen import gen_unit
from tests.progress.gen import gen_progress, gen_quarter

A4_LANDSCAPE = (842, 595)  # points: 297 × 210 mm
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")
STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)


@pytest.fixture(scope="module")
def soffice() -> str:
    path = shutil.which("soffice")
    if path is None:
        if os.environ.get("KPI_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice is required (KPI_REQUIRE_LIBREOFFICE=1) but `soffice` is not on PATH")
        pytest.skip("LibreOffice (`soffice`, Debian's libreoffice-calc) is not installed: print setup not rendered")
    return path


def to_pdf(soffice: str, data: bytes, folder, name: str) -> bytes:
    source = folder / f"{name}.xlsx"
    source.write_bytes(data)
    # A private profile: no first-start dialogs, and no clash with another soffice running.
    profile = (folder / "lo-profile").as_uri()
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    pdf = folder / f"{name}.pdf"
    assert pdf.exists(), f"soffice did not convert {source.name}: {result.stdout!r} {result.stderr!r}"
    return pdf.read_bytes()


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Width × height of every page's MediaBox, in points (also inside compressed object streams)."""
    chunks = [pdf]
    for stream in STREAM.findall(pdf):
        try:
            chunks.append(zlib.decompress(stream.strip(b"\r\n")))
        except zlib.error:
            continue
    boxes = [match for chunk in chunks for match in MEDIA_BOX.findall(chunk)]
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def assert_a4_landscape(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF")
    sizes = page_sizes(pdf)
    assert sizes, "no MediaBox found in the PDF"
    for width, height in sizes:
        assert (round(width), round(height)) == A4_LANDSCAPE, sizes


def test_the_progress_workbook_prints_on_a4_landscape_pages(app, soffice, tmp_path):
    gen_quarter(app, 1, {"投诉调解辅助服务": {"value": "5000"}}, spending={"基本支出": "300"})
    pdf = to_pdf(soffice, build_progress_workbook(gen_progress(app)), tmp_path, "progress")
    assert_a4_landscape(pdf)
    assert page_count(pdf) >= 3  # the indicator grid (several pages), the chart sheet, the budget sheet


def test_the_consolidated_workbook_prints_on_a4_landscape_pages(app, soffice, tmp_path):
    gen_unit(app, "甲单位", quarters={1: "submitted"}, spent={1: "10"})
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        exported = service.export_consolidated(session, budget.get_year(session, 2023), tmp_path / "exports")
    assert_a4_landscape(to_pdf(soffice, exported.data, tmp_path, "consolidated"))


def test_page_sizes_are_read_from_plain_and_compressed_objects():
    plain = b"%PDF-1.4\n1 0 obj << /Type /Page /MediaBox [0 0 841.89 595.3] >> endobj"
    packed = b"%PDF-1.5\nstream\n" + zlib.compress(b"<< /Type /Page /MediaBox [ 0 0 595.3 841.89 ] >>") + b"\nendstream"
    assert page_sizes(plain) == [(841.89, 595.3)]
    assert [(round(w), round(h)) for w, h in page_sizes(packed)] == [(595, 842)]
    assert page_count(plain) == 1
