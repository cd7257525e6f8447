"""c. The consolidated export for every unit, and d. the seed unit's self-evaluation export, each
against raw openpyxl writing the same sheets, rows and cells in the same run.

Export and baseline are timed in turn, round after round, and each keeps its best round: a
moment when the machine is busy elsewhere then falls on both alike (c takes ROUNDS rounds of
about 20 s each, d REPEAT rounds of about 0.1 s).

The consolidated export and its baseline each run in a subprocess of their own, so that the peak
memory (VmHWM) is theirs alone; the export's workbook is read back afterwards (untimed) to give
the baseline exactly its cells. Both features are imported lazily: when a module is not there yet,
its figures say "not available" and the rest of the run goes on.
"""

from __future__ import annotations

import io
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook, load_workbook

from bench.timing import Figure, best_of_each, failed, unavailable

ROOT = Path(__file__).resolve().parents[1]
EXPORT_RATIO, MEMORY_MB, SELF_EVALUATION_RATIO = 1.5, 300, 2.0
REPEAT = 15  # rounds of (export, raw) for d: a round is about 0.1 s
ROUNDS = 2  # rounds of (export, raw) for c, each in processes of their own


def consolidated(url: str, year: int, units: int) -> list[Figure]:
    name = f"consolidated export, {units:,} units"
    with tempfile.TemporaryDirectory() as tmp:
        cells = Path(tmp) / "cells.pickle"
        try:
            runs = []
            for _ in range(ROUNDS):  # in turn, so that a noisy moment falls on both alike
                made = _child("consolidated", url, str(year), tmp, str(cells))
                if not made["available"]:
                    return [unavailable("c", name, "×", f"≤ {EXPORT_RATIO}× raw", f"not available ({made['why']})")]
                runs.append((made, _child("raw", str(cells), str(Path(tmp) / "raw.xlsx"))))
        except Exception as error:  # noqa: BLE001  (report it and go on with the other sections)
            return [failed("c", name, "×", f"≤ {EXPORT_RATIO}× raw", error)]
    made = min((export for export, _ in runs), key=lambda run: run["seconds"])
    raw = min((baseline for _, baseline in runs), key=lambda run: run["seconds"])
    memory = max((export for export, _ in runs), key=lambda run: run["peak_mb"])  # the worst round's
    ratio = made["seconds"] / raw["seconds"]
    shape = f"{made['sheets']:,} sheets, {made['rows']:,} rows, {made['cells']:,} cells"
    return [
        Figure(
            "c",
            f"{name} ÷ raw write-only",
            ratio,
            "×",
            f"≤ {EXPORT_RATIO}×",
            ratio <= EXPORT_RATIO,
            f"{made['seconds']:.1f} s vs raw {raw['seconds']:.1f} s, best of {ROUNDS} rounds each; {shape}",
        ),
        Figure(
            "c",
            "  consolidated export peak memory",
            memory["peak_mb"],
            "MB",
            f"≤ {MEMORY_MB} MB",
            memory["peak_mb"] <= MEMORY_MB,
            f"peak RSS of the export process ({memory['base_mb']:.0f} MB before it); raw {raw['peak_mb']:.0f} MB",
        ),
    ]


def self_evaluation(url: str, year: int) -> list[Figure]:
    name = "self-evaluation export (seed unit) ÷ raw"
    try:
        from kpi.evaluation import (
            service,
            workbook,  # noqa: F401  (the builder this measures)
        )
    except ImportError as error:
        return [unavailable("d", name, "×", f"≤ {SELF_EVALUATION_RATIO}×", f"not available ({error})")]
    try:
        from sqlmodel import Session

        from kpi.budget import service as budget
        from kpi.dataset import read_dataset
        from kpi.db import make_engine

        engine = make_engine(url)
        unit_name = read_dataset()["unit"]["name"]
        with tempfile.TemporaryDirectory() as tmp:
            made = {}

            def export():
                with Session(engine) as session:
                    unit, fiscal_year = budget.get_unit(session, unit_name), budget.get_year(session, year)
                    made["data"] = service.export_workbook(session, unit, fiscal_year, tmp).data

            export()  # once untimed, for the cells the baseline writes
            sheets = _cells(load_workbook(io.BytesIO(made["data"])))
            seconds, raw = best_of_each(REPEAT, export, lambda: _write_normal(sheets, Path(tmp) / "raw.xlsx"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001
        return [failed("d", name, "×", f"≤ {SELF_EVALUATION_RATIO}×", error)]
    ratio = seconds / raw
    cells = sum(len(cells) for _, cells in sheets)
    return [
        Figure(
            "d",
            name,
            ratio,
            "×",
            f"≤ {SELF_EVALUATION_RATIO}×",
            ratio <= SELF_EVALUATION_RATIO,
            f"{seconds * 1000:.0f} ms vs raw {raw * 1000:.0f} ms; {len(sheets)} sheets, {cells:,} cells; "
            f"best of {REPEAT} alternating rounds",
        )
    ]


def _cells(wb) -> list[tuple[str, list[tuple[int, int, object]]]]:
    return [
        (ws.title, [(c.row, c.column, c.value) for row in ws.iter_rows() for c in row if c.value is not None])
        for ws in wb.worksheets
    ]


def _write_normal(sheets, path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for title, cells in sheets:
        ws = wb.create_sheet(title)
        for row, column, value in cells:
            ws.cell(row=row, column=column, value=value)
    wb.save(path)


def _child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.exports", *args], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError((done.stderr.strip().splitlines() or ["no output"])[-1])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _peak_mb() -> float:
    """This process's peak resident memory. VmHWM starts afresh at exec; ru_maxrss would carry
    over the high-water mark of the (large) bench process this one was forked from."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _run_consolidated(url: str, year: str, out_dir: str, cells_path: str) -> dict:
    try:
        from kpi.finance import consolidated as _builder  # noqa: F401  (the builder this measures)
        from kpi.finance.service import export_consolidated
    except ImportError as error:
        return {"available": False, "why": str(error)}
    from sqlmodel import Session

    from kpi.application import create_app
    from kpi.budget import service as budget

    app = create_app({"KPI_DATABASE_URL": url, "KPI_EXPORT_DIR": Path(out_dir)})
    with app.app_context(), Session(app.extensions["kpi_engine"]) as session:
        fiscal_year = budget.get_year(session, int(year))
        base = _peak_mb()
        started = time.perf_counter()
        data = export_consolidated(session, fiscal_year, out_dir).data
        seconds = time.perf_counter() - started
        peak = _peak_mb()
    wb = load_workbook(io.BytesIO(data), read_only=True)
    sheets = [(ws.title, [_trimmed(row) for row in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
    with open(cells_path, "wb") as handle:
        pickle.dump(sheets, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return {
        "available": True,
        "seconds": seconds,
        "peak_mb": peak,
        "base_mb": base,
        "sheets": len(sheets),
        "rows": sum(len(rows) for _, rows in sheets),
        "cells": sum(sum(v is not None for v in row) for _, rows in sheets for row in rows),
    }


def _run_raw(cells_path: str, out_path: str) -> dict:
    with open(cells_path, "rb") as handle:
        sheets = pickle.load(handle)
    base = _peak_mb()
    started = time.perf_counter()
    wb = Workbook(write_only=True)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(out_path)
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(), "base_mb": base}


def _trimmed(row: tuple) -> list:
    values = list(row)
    while values and values[-1] is None:
        values.pop()
    return values


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    result = _run_consolidated(*arguments) if command == "consolidated" else _run_raw(*arguments)
    print(json.dumps(result))
