"""`make bench` (`python -m bench.run`): set up, build data, measure, print the table, save it.

Sets up throw-away PostgreSQL databases (1,000 demo units, and 10 for the scale comparison) and a
SQLite file, migrated and seeded, then measures the figures of issue 6 (a–e) and prints each
beside its target with PASS/MISS. The table is also saved as bench/results/<timestamp>.json.
Options: ``--units N`` (default 1000) for a quicker look, ``--skip SECTIONS`` (e.g. ``--skip ce``).
Exit status 0 whatever the verdicts: the table is the result; 2 when PostgreSQL is unreachable.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench import databases, exports, forms, scoring, timing, web
from bench.timing import Figure, failed

YEAR = 2023  # the seed's year: the demo units share it, so the finance home lists them all
SEED = 2023
GENERATION_SECONDS = 60
SMALL_UNITS = 10


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--skip", default="", help="sections to leave out, e.g. 'ce'")
    options = parser.parse_args(argv)
    problem = databases.postgres_available()
    if problem:
        print(f"PostgreSQL is not reachable at {databases.PG_ADMIN_URL}: {problem}", file=sys.stderr)
        return 2
    meta = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "units": options.units, "machine": timing.machine()}
    started = time.perf_counter()
    figures = run(options.units, set(options.skip))
    meta["seconds"] = round(time.perf_counter() - started, 1)
    print()
    print(timing.table(figures))
    path = timing.save(figures, meta)
    machine = meta["machine"]
    print(
        f"\n{machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB; Python {machine['python']}; "
        f"load average at start {machine['load_average_1min_at_start']:.2f}; run took {meta['seconds']:.0f} s"
    )
    print(f"saved {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


def run(units: int, skip: set[str]) -> list[Figure]:
    figures: list[Figure] = []
    with (
        tempfile.TemporaryDirectory(prefix="kpi-bench-") as tmp,
        databases.postgres_database("big") as big,
        databases.postgres_database("small") as small,
    ):
        work = Path(tmp)
        step("a. demo-scale on SQLite and PostgreSQL")
        for label, url in (("SQLite", f"sqlite:///{work / 'bench.sqlite3'}"), ("PostgreSQL", big)):
            figures.append(generation(label, url, units))
        databases.prepare(small)
        databases.demo_units(small, SMALL_UNITS, YEAR, SEED)
        if "b" not in skip:
            step("b. scoring")
            figures += section("b", "scoring", lambda: scoring.measure(units, YEAR, SEED))
        if "c" not in skip:
            step("c. consolidated export")
            figures += exports.consolidated(big, YEAR, units)
        if "d" not in skip:
            step("d. self-evaluation export")
            figures += exports.self_evaluation(big, YEAR)
            figures += forms.forms_zip(big, YEAR, units)
        if "e" not in skip:
            step("e. HTTP under load")
            figures += section(
                "e",
                "HTTP under load",
                lambda: web.measure(
                    big, small, databases.demo_unit_id(big), databases.demo_unit_id(small), YEAR, units, work
                ),
            )
    return figures


def generation(label: str, url: str, units: int) -> Figure:
    name = f"demo-scale {units:,} units, {label}"
    target = f"< {GENERATION_SECONDS} s"
    try:
        databases.prepare(url)
        summary = databases.demo_units(url, units, YEAR, SEED)
    except Exception as error:  # noqa: BLE001  (report it; later sections say what they lack)
        return failed("a", name, "s", target, error)
    rows = sum(summary.rows.values())
    return Figure(
        "a",
        name,
        summary.seconds,
        "s",
        target,
        summary.seconds < GENERATION_SECONDS,
        f"{rows:,} rows, {rows / summary.seconds:,.0f} rows/s",
    )


def section(letter: str, name: str, measure) -> list[Figure]:
    try:
        return measure()
    except Exception as error:  # noqa: BLE001
        return [failed(letter, name, "", "", error)]


def step(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text} …", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
