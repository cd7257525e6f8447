"""d. The zip of units' official 自评表 forms (kpi.finance.forms_zip): time per unit exporting
10 units against time per unit exporting every unit of the big database at once (issue 14:
linear, ≤ 1.2×).

Units differ in size (projects, indicators), so one group of 10 is a poor sample of the average
unit. The small side is therefore GROUPS exports of 10 units each, the groups interleaved over
the finance desk's list (group j holds units j, j + n, j + 2n, …): together they cover a sample
spread evenly over all the units, and their time per unit is that of exporting 10 at a time.
Small and large exports are timed in turn, round after round, each in a fresh session, and each
export keeps its best round: a moment when the machine is busy elsewhere then falls on both
alike. The per-export cost that does not grow with the units (listing them, the 说明.txt) counts
against the small exports. At about 0.2 s per unit, 1,000 units take some 7 minutes here.
"""

from __future__ import annotations

import tempfile
import time
import zipfile

from bench.timing import Figure, failed, unavailable

SMALL = 10
RATIO = 1.2
GROUPS = 10  # exports of SMALL units each, interleaved over the list
ROUNDS = 2  # rounds of (GROUPS small exports, one large export)


def forms_zip(url: str, year: int, units: int) -> list[Figure]:
    name = f"forms zip, time per unit at {units:,} ÷ at {SMALL}"
    target = f"≤ {RATIO}×"
    try:
        from kpi.finance.forms_zip import export_forms_zip, year_units
    except ImportError as error:
        return [unavailable("d", name, "×", target, f"not available ({error})")]
    try:
        from sqlmodel import Session

        from kpi.application import create_app
        from kpi.budget import service as budget
        from kpi.db import make_engine

        create_app({"KPI_DATABASE_URL": url})  # wires what the features lend the desk (the 自评表 forms)
        engine = make_engine(url)
        with Session(engine) as session:
            every = [unit.id for unit in year_units(session, budget.get_year(session, year))]
        large = every[:units]
        stride = max(1, len(large) // SMALL)
        groups = [large[first::stride][:SMALL] for first in range(min(GROUPS, stride))]
        with tempfile.TemporaryDirectory(prefix="kpi-bench-forms-") as tmp:

            def export(unit_ids: list[int]) -> tuple[float, int]:
                with Session(engine) as session:
                    fiscal_year = budget.get_year(session, year)
                    started = time.perf_counter()
                    path = export_forms_zip(session, fiscal_year, unit_ids, tmp)
                    seconds = time.perf_counter() - started
                size = path.stat().st_size
                with zipfile.ZipFile(path) as archive:
                    assert len(archive.namelist()) == len(unit_ids) + 1  # every form and the 说明.txt
                path.unlink()
                return seconds, size

            best_groups = [float("inf")] * len(groups)
            best_large, large_size = float("inf"), 0
            for _ in range(ROUNDS):
                for index, group in enumerate(groups):
                    best_groups[index] = min(best_groups[index], export(group)[0])
                seconds, large_size = export(large)
                best_large = min(best_large, seconds)
        engine.dispose()
    except Exception as error:  # noqa: BLE001  (report it and go on with the other sections)
        return [failed("d", name, "×", target, error)]
    sampled = sum(len(group) for group in groups)
    best_small = sum(best_groups)
    per_small, per_large = best_small / sampled, best_large / len(large)
    ratio = per_large / per_small
    return [
        Figure(
            "d",
            f"forms zip, time per unit at {len(large):,} ÷ at {SMALL}",
            ratio,
            "×",
            target,
            ratio <= RATIO,
            f"{per_large * 1000:.0f} ms/unit ({best_large:.1f} s, {large_size / 2**20:.1f} MB zip) vs "
            f"{per_small * 1000:.0f} ms/unit ({len(groups)} zips of {SMALL}, {best_small:.1f} s); "
            f"best of {ROUNDS} alternating rounds",
        )
    ]
