"""Do both importers answer any bytes, and any damaged workbook, with their own documented error?

Arbitrary bytes and valid workbooks with one XML part damaged go into the target-table reader,
the bulk results reader and the fill-in workbook reader. Each may succeed or raise its own
refusal (TargetTableError, BulkImportRejected, UploadRejected); nothing else may escape.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from kpi.indicators.table_reader import TargetTableError, read_target_table
from kpi.results.bulk_source import BulkImportRejected, read_source
from kpi.results.workbook import build_fill_in_workbook
from kpi.results.workbook_upload import UploadRejected, read_fill_in_workbook
from tests.indicators.xlsx_factory import gen_single_layout_table
from tests.results_excel.helpers import quarter_sheet
from tests.results_excel.test_import_results_command import gen_results_xlsx

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def _damaged(draw, data: bytes) -> bytes:
    """The workbook with one of its parts cut, overwritten, or spliced with junk (CRCs kept valid)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    name = draw(st.sampled_from(sorted(parts)), label="part")
    body = parts[name]
    at = draw(st.integers(0, len(body)), label="at")
    how = draw(st.sampled_from(["cut", "splice", "replace", "drop"]), label="how")
    junk = draw(
        st.binary(max_size=64)
        | st.sampled_from(
            [b"<", b"&bogus;", b'<c r="A1" t="e"><v>#REF!</v></c>', b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", b"\xff\xfe"]
        )
    )
    if how == "drop":
        del parts[name]
    else:
        parts[name] = {
            "cut": body[:at],
            "splice": body[:at] + junk + body[at:],
            "replace": body[:at] + junk + body[at + len(junk) :],
        }[how]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, content in parts.items():
            archive.writestr(part, content)
    return out.getvalue()


def _inputs(valid: bytes):
    return st.one_of(
        st.binary(max_size=2048),
        st.binary(max_size=256).map(lambda tail: b"PK\x03\x04" + tail),
        st.integers(0, len(valid)).map(lambda n: valid[:n]),
        _damaged(valid),
    )


@pytest.fixture(scope="module")
def target_table(tmp_path_factory) -> bytes:
    return gen_single_layout_table(tmp_path_factory.mktemp("targets")).read_bytes()


@pytest.fixture(scope="module")
def results_source(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("results") / "results.xlsx"
    rows = [["深圳市消费者委员会秘书处", 2023, "Q1", "投诉调解辅助服务", 5200, "说明"]]
    spending = [["深圳市消费者委员会秘书处", 2023, "Q1", "基本支出", 300]]
    return gen_results_xlsx(path, rows, spending).read_bytes()


@pytest.fixture(scope="module")
def fill_in(module_app):
    with Session(module_app.extensions["kpi_engine"]) as session:
        sheet = quarter_sheet(session)
        return sheet, build_fill_in_workbook(sheet)


def test_the_target_table_reader_refuses_any_damage_with_its_own_error(target_table):
    @FUZZ
    @given(data=_inputs(target_table))
    def read(data):
        try:
            read_target_table(data)
        except TargetTableError as error:
            assert str(error)

    read()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_bulk_results_reader_refuses_any_damage_with_its_own_error(results_source, tmp_path, suffix):
    path = tmp_path / f"source{suffix}"

    @FUZZ
    @given(data=_inputs(results_source))
    def read(data):
        path.write_bytes(data)
        try:
            read_source(path)
        except BulkImportRejected as error:
            assert error.problems

    read()


def test_the_fill_in_workbook_reader_refuses_any_damage_with_its_own_error(fill_in):
    sheet, valid = fill_in

    @FUZZ
    @given(data=_inputs(valid))
    def read(data):
        try:
            read_fill_in_workbook(data, sheet)
        except UploadRejected as error:
            assert error.problems

    read()


@pytest.mark.parametrize("bloat", ["styles", "shared_strings"])
def test_import_targets_refuses_a_part_that_would_cost_gigabytes_and_writes_nothing(
    module_app, target_table, tmp_path, bloat
):
    """The attack: the same 2 MB styles.xml took 1.8 GB in `kpi import-targets`."""
    from tests.hostile import files
    from tests.hostile.conftest import fingerprint

    build = files.with_styles_bloat if bloat == "styles" else files.with_shared_strings_bloat
    path = tmp_path / "目标表.xlsx"
    path.write_bytes(build(target_table))
    before = fingerprint(module_app.extensions["kpi_engine"])
    result = module_app.test_cli_runner().invoke(
        args=["kpi", "import-targets", str(path), "--unit", "深圳市消费者委员会秘书处", "--year", "2023", "--replace"]
    )
    assert result.exit_code == 1, result.output
    assert "文件结构异常" in result.output
    assert fingerprint(module_app.extensions["kpi_engine"]) == before
