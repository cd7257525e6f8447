"""`make soak` (`python -m bench.soak`): a load and soak test against gunicorn on PostgreSQL.

Creates a throw-away PostgreSQL database (migrated, seeded), K extra staff users of the seed
unit, and a gunicorn with 2 workers on a free loopback port. For ``--seconds`` (bounded also by
``--max-requests``) K staff clients each GET the quarter form and POST new values for the few
indicators they own (the indicators are split between them, so no two write the same one; a 409
Conflict is counted and retried with the fresh version), while a finance client downloads the
progress workbook and the monitoring workbook. The workers' RSS is sampled every few seconds.

At the end the database is checked: each client's last acknowledged value per indicator must be
in indicator_result, and there must be exactly one audit event per acknowledged change (no lost,
no duplicated writes). Exit status 1 on any 5xx, lost or duplicated write; 2 when PostgreSQL is
unreachable. The database is dropped and the server stopped whatever happens.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from bench import databases, http_load
from bench.timing import percentile

UNIT_ID, UNIT_NAME, YEAR, QUARTER = 2, "深圳市消费者委员会秘书处", 2023, 1
PASSWORD = "Soak@2023-load-test"
FINANCE_USER, FINANCE_PASSWORD = "finance", "Demo@2023"  # a seed demo account
WORKERS = 2
INDICATORS_PER_CLIENT = 3
MAX_RETRIES = 20
SAMPLE_SECONDS = 3.0
WARMUP_SHARE = 0.15  # RSS "start" is the first sample after this share of the run
RSS_TARGET = 1.5
FORM = f"/units/{UNIT_ID}/{YEAR}/quarters/{QUARTER}"
DOWNLOADS = (f"/units/{UNIT_ID}/{YEAR}/progress.xlsx", f"/units/{UNIT_ID}/{YEAR}/monitoring/workbook")
SEEN = re.compile(r'name="(s-[ib]\d+)" value="([0-9a-f]{16})"')  # kpi.results.merge
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')
VALUE_INPUT = re.compile(r'name="i(\d+)-value"')


@dataclass
class Stats:
    """Everything the clients observed; one lock guards it all."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)  # (kind, status)
    problems: Counter = field(default_factory=Counter)  # text of unexpected answers
    conflicts: int = 0
    issued: int = 0

    def take(self, limit: int) -> bool:
        with self.lock:
            if self.issued >= limit:
                return False
            self.issued += 1
            return True

    def record(self, kind: str, elapsed: float, status: int | str) -> None:
        with self.lock:
            self.latencies[kind].append(elapsed)
            self.statuses[(kind, status)] += 1


@dataclass
class Writer:
    """One staff client: its indicators, the last value acknowledged for each, how many acks."""

    username: str
    indicators: list[int]
    last: dict[int, Decimal] = field(default_factory=dict)
    acknowledged: Counter = field(default_factory=Counter)  # indicator id -> acknowledged changes
    values: dict[int, list[Decimal]] = field(default_factory=lambda: defaultdict(list))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--staff", type=int, default=4, help="concurrent staff clients (default 4)")
    parser.add_argument("--max-requests", type=int, default=50_000)
    options = parser.parse_args(argv)
    problem = databases.postgres_available()
    if problem:
        print(f"PostgreSQL is not reachable at {databases.PG_ADMIN_URL}: {problem}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kpi-soak-") as tmp, databases.postgres_database("soak") as url:
        step("migrate and seed")
        databases.prepare(url)
        names = create_staff(url, options.staff)
        with http_load.gunicorn(url, WORKERS, Path(tmp) / "gunicorn.log") as port:
            master = _master_pid(port)
            step(
                f"gunicorn on 127.0.0.1:{port} (master {master}); {options.staff} staff clients, "
                f"{options.seconds:.0f} s"
            )
            writers, stats, samples, seconds = soak(port, master, names, options.seconds, options.max_requests)
        lost, duplicated, detail = verify(url, writers)
    return report(writers, stats, samples, seconds, lost, duplicated, detail)


def create_staff(url: str, count: int) -> list[str]:
    from kpi.accounts.service import create_user
    from kpi.db import make_engine, transaction

    engine = make_engine(url)
    names = [f"soak_staff{index}" for index in range(1, count + 1)]
    try:
        with transaction(engine) as session:
            for name in names:
                create_user(
                    session,
                    {
                        "username": name,
                        "password": PASSWORD,
                        "role": "staff",
                        "unit": UNIT_NAME,
                        "display_name": f"压测填报人{name[-1]}",
                    },
                    actor="soak",
                )
    finally:
        engine.dispose()
    return names


def soak(port: int, master: int | None, names: list[str], seconds: float, limit: int):
    sessions = {name: http_load.login(port, name, PASSWORD) for name in names}
    finance = http_load.login(port, FINANCE_USER, FINANCE_PASSWORD)
    status, _, html = http_load.request(port, "GET", FORM, finance)
    if status != 200:
        raise RuntimeError(f"{FORM} answered {status}")
    editable = sorted({int(found) for found in VALUE_INPUT.findall(html)}, key=lambda i: html.index(f'"i{i}-value"'))
    if len(editable) < len(names) * INDICATORS_PER_CLIENT:
        raise RuntimeError(f"only {len(editable)} value inputs on {FORM} for {len(names)} clients")
    writers = [
        Writer(name, editable[index * INDICATORS_PER_CLIENT : (index + 1) * INDICATORS_PER_CLIENT])
        for index, name in enumerate(names)
    ]
    stats = Stats()
    samples: list[tuple[float, int, int]] = []  # (seconds since start, workers' RSS kB total, worker count)
    stop = threading.Event()
    started = time.perf_counter()
    deadline = started + seconds

    def sampler():
        while True:
            rss, count = workers_rss(master)
            samples.append((time.perf_counter() - started, rss, count))
            if stop.wait(SAMPLE_SECONDS):
                rss, count = workers_rss(master)
                samples.append((time.perf_counter() - started, rss, count))
                return

    def running() -> bool:
        return time.perf_counter() < deadline and stats.take(limit)

    threads = [
        threading.Thread(target=staff_client, args=(port, sessions[w.username], w, stats, running), daemon=True)
        for w in writers
    ]
    threads.append(threading.Thread(target=finance_client, args=(port, finance, stats, running), daemon=True))
    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    stop.set()
    watcher.join()
    return writers, stats, samples, elapsed


def staff_client(port: int, cookies: dict, writer: Writer, stats: Stats, running) -> None:
    sequence = 0
    while running():
        status, body = timed(stats, "form GET", port, "GET", FORM, cookies)
        if status != 200:
            continue
        sequence += 1
        # A value no other save of this indicator used: client-local sequence, and indicators are not shared.
        values = {indicator: Decimal(sequence) + Decimal(slot) / 10 for slot, indicator in enumerate(writer.indicators)}
        form = {f"i{indicator}-value": str(value) for indicator, value in values.items()}
        form["action"] = "save"
        for _ in range(MAX_RETRIES):
            version, token = _version(body), _csrf(body)
            if version is None or token is None:
                stats.problems["form without version or CSRF token"] += 1
                break
            if not running():
                return
            seen = dict(SEEN.findall(body))  # the rows' fingerprints, as a browser posts them back
            status, body = timed(
                stats,
                "save POST",
                port,
                "POST",
                FORM,
                cookies,
                {**seen, **form, "version": version, "csrf_token": token},
            )
            if status == 302:
                for indicator, value in values.items():
                    writer.last[indicator] = value
                    writer.acknowledged[indicator] += 1
                    writer.values[indicator].append(value)
                break
            if status != 409:
                break
            with stats.lock:
                stats.conflicts += 1


def finance_client(port: int, cookies: dict, stats: Stats, running) -> None:
    index = 0
    while running():
        path = DOWNLOADS[index % len(DOWNLOADS)]
        timed(stats, "progress.xlsx" if path.endswith(".xlsx") else "monitoring workbook", port, "GET", path, cookies)
        index += 1


def timed(stats: Stats, kind: str, port: int, method: str, path: str, cookies: dict, body: dict | None = None):
    """One request, recorded under ``kind``; (status or the connection error's name, body text)."""
    started = time.perf_counter()
    try:
        status, headers, text = http_load.request(port, method, path, cookies, body)
        http_load._keep(cookies, headers)  # the session cookie carries the CSRF secret, set on first use
    except OSError as error:
        status, text = f"{type(error).__name__}", ""
    elapsed = time.perf_counter() - started
    stats.record(kind, elapsed, status)
    expected = {"save POST": (302, 409)}.get(kind, (200,))
    if status not in expected:
        with stats.lock:
            stats.problems[f"{kind} {path}: {status}"] += 1
    return status, text


def _version(html: str) -> str | None:
    match = VERSION.search(html)
    return (match.group(1) or match.group(2)) if match else None


def _csrf(html: str) -> str | None:
    match = http_load.CSRF.search(html)
    return (match.group(1) or match.group(2)) if match else None


# --- gunicorn's workers and their memory (from /proc: psutil is not a dependency) ---


def _master_pid(port: int) -> int | None:
    """The gunicorn master this process started for ``port``: a child of ours with the port in its command."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if parent == os.getpid() and "gunicorn" in command and f":{port}" in command:
            return int(entry.name)
    return None


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def workers_rss(master: int | None) -> tuple[int, int]:
    """(total VmRSS of the master's children in kB, how many children)."""
    if master is None:
        return 0, 0
    children = _children(master)
    return sum(_rss_kb(child) for child in children), len(children)


# --- checking the database against what the clients were told ---


def verify(url: str, writers: list[Writer]) -> tuple[int, int, list[str]]:
    """(lost writes, duplicated writes, details) comparing acknowledged saves with the database."""
    from kpi.results.service import FIELD_LABELS, quarter_label

    field_name = f"{YEAR}年{quarter_label(QUARTER)} · {FIELD_LABELS['value']}"  # as QuarterSheet.label
    engine = sa.create_engine(url)
    lost = duplicated = 0
    detail: list[str] = []
    try:
        with engine.connect() as conn:
            for writer in writers:
                for indicator in writer.indicators:
                    stored = (
                        conn.execute(
                            sa.text(
                                "SELECT r.value FROM indicator_result r JOIN quarter_report q ON q.id = r.report_id "
                                "WHERE r.indicator_id = :i AND q.unit_id = :u AND q.quarter = :q"
                            ),
                            {"i": indicator, "u": UNIT_ID, "q": QUARTER},
                        )
                        .scalars()
                        .all()
                    )
                    events = (
                        conn.execute(
                            sa.text(
                                "SELECT new_value FROM audit_event WHERE entity = 'indicator' AND entity_id = :i "
                                "AND action = 'update' AND field = :f AND actor = :a"
                            ),
                            {"i": indicator, "f": field_name, "a": writer.username},
                        )
                        .scalars()
                        .all()
                    )
                    last = writer.last.get(indicator)
                    if last is not None and (len(stored) != 1 or Decimal(stored[0]) != last):
                        lost += 1
                        detail.append(f"indicator {indicator}: last acknowledged {last}, stored {stored}")
                    if len(stored) > 1:
                        duplicated += len(stored) - 1
                        detail.append(f"indicator {indicator}: {len(stored)} result rows")
                    audited = Counter(Decimal(text.replace(",", "")) for text in events if text)
                    acked = Counter(writer.values[indicator])
                    missing, extra = acked - audited, audited - acked
                    lost += sum(missing.values())
                    duplicated += sum(extra.values())
                    if missing or extra:
                        detail.append(
                            f"indicator {indicator}: {writer.acknowledged[indicator]} acknowledged, "
                            f"{len(events)} audit events; missing {sorted(missing)[:5]}, "
                            f"extra {sorted(extra)[:5]}"
                        )
    finally:
        engine.dispose()
    return lost, duplicated, detail


# --- the table ---


def report(writers, stats: Stats, samples, seconds: float, lost: int, duplicated: int, detail: list[str]) -> int:
    total = sum(stats.statuses.values())
    server_errors = sum(n for (_, status), n in stats.statuses.items() if isinstance(status, int) and status >= 500)
    other_4xx = sum(
        n
        for (_, status), n in stats.statuses.items()
        if isinstance(status, int) and 400 <= status < 500 and status != 409
    )
    failed = sum(n for (_, status), n in stats.statuses.items() if not isinstance(status, int))
    acknowledged = sum(sum(w.acknowledged.values()) for w in writers)
    saves = sum(n for (kind, status), n in stats.statuses.items() if kind == "save POST" and status == 302)
    rows = [("requests", f"{total:,} in {seconds:.0f} s = {total / seconds:.1f} req/s", "—", "")]
    for kind, latencies in sorted(stats.latencies.items()):
        rows.append(
            (
                f"  {kind}",
                f"{len(latencies):,}; p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
                f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms",
                "—",
                "",
            )
        )
    rows += [
        ("5xx answers", str(server_errors), "0", verdict(server_errors == 0)),
        ("4xx other than 409", str(other_4xx), "0", verdict(other_4xx == 0)),
        ("connection failures", str(failed), "0", verdict(failed == 0)),
        ("409 conflicts (retried)", f"{stats.conflicts:,}", "—", ""),
        ("saves acknowledged", f"{saves:,} ({acknowledged:,} indicator values)", "—", ""),
        ("lost writes", str(lost), "0", verdict(lost == 0)),
        ("duplicated writes", str(duplicated), "0", verdict(duplicated == 0)),
    ]
    warm = [s for s in samples if s[0] >= seconds * WARMUP_SHARE and s[1]]
    if len(warm) >= 2:
        start, end, peak = warm[0][1], warm[-1][1], max(s[1] for s in samples)
        growth = end / start
        counts = sorted({s[2] for s in samples})
        rows.append(
            (
                f"workers' RSS ({'/'.join(map(str, counts))} workers)",
                f"start {start / 1024:.0f} MB (at {warm[0][0]:.0f} s), end {end / 1024:.0f} MB, "
                f"max {peak / 1024:.0f} MB; first sample {samples[0][1] / 1024:.0f} MB",
                "—",
                "",
            )
        )
        rows.append(("RSS growth end ÷ start", f"{growth:.2f}×", f"≤ {RSS_TARGET}×", verdict(growth <= RSS_TARGET)))
    else:
        rows.append(("workers' RSS", "not enough samples", f"≤ {RSS_TARGET}×", "MISS"))
    width = max(len(r[0]) for r in rows)
    print()
    for name, value, target, mark in rows:
        print(f"{name:<{width}}  {value:<70}  {target:<8} {mark}")
    for text, count in stats.problems.most_common(10):
        print(f"  unexpected: {text} ×{count}")
    for line in detail[:20]:
        print(f"  write check: {line}")
    return 1 if server_errors or lost or duplicated else 0


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def step(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text} …", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
