"""The consolidated export's unit sheets, loaded and laid out by a process of their own.

For 1,000 units, reading every unit's quarter sheets, working out their progress and laying
out their rows (``unit_details``) takes about as long as streaming the workbook, and both are
pure Python: in one process the two add up, whatever the number of cores. So the exporting
process starts ``python -m kpi.finance.detail_feed``, which does the first half on another core
while the exporter writes, and hands over each unit's DetailSheet as it is ready.

The protocol is two pipes of pickles between this module's two halves (nothing else writes
to them): the exporter sends one ``Request``; the feed answers with lists of DetailSheet (or
None) for consecutive units, in the requested order. A full pipe blocks the feed, so it
stays at most a batch ahead and its memory is bounded. A feed that fails exits non-zero; the
exporter raises FeedFailed with the last line it wrote to stderr. If the exporter stops early
(an error, a cancelled job), the feed is killed.

The feed reads in its own transaction, a moment after the exporter read the summary: a
report saved in between shows on its unit's sheet, not yet on the 汇总 row.
"""

from __future__ import annotations

import fcntl
import pickle
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import NamedTuple

from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parents[2]
SEND_EVERY = 10  # units per message: small enough that the exporter starts at once
PIPE_BYTES = 1 << 20  # about four messages


class Request(NamedTuple):
    database_url: str
    year: int
    unit_ids: list[int]
    today: date | None


class FeedFailed(RuntimeError):
    """The feed process failed; the message is its last word (in English, for the log)."""


def feed_details(request: Request) -> Iterator:
    """Each requested unit's DetailSheet (or None) in order, from a feed process.

    The process starts now, so that it loads while the exporter writes the summary sheet;
    closing the iterator (or dropping it) stops it."""
    feed = _feed(request)
    next(feed)
    return feed


def _feed(request: Request) -> Iterator:
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "kpi.finance.detail_feed"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        _widen(process.stdout)
        try:
            pickle.dump(request, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            process.stdin.close()  # the URL may carry a password: a pipe, never the command line
            yield None  # started (feed_details takes this one)
            while True:
                try:
                    batch = pickle.load(process.stdout)
                except EOFError:
                    break
                yield from batch
            if process.wait() != 0:
                errors.seek(0)
                lines = errors.read().decode("utf-8", "replace").strip().splitlines()
                raise FeedFailed(lines[-1] if lines else f"exit status {process.returncode}")
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            process.stdout.close()


def _widen(pipe) -> None:
    """Let the feed run a few batches ahead (1 MB instead of Linux's 64 kB pipe): with a
    narrow pipe it waits for the writer after every batch, and the two take turns."""
    try:
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):
        pass  # not Linux, or above /proc/sys/fs/pipe-max-size: the default pipe still works


def serve(request: Request, out) -> None:
    """The feed's side: load, work out and lay out each unit's sheet, and send them in order."""
    from kpi.budget import service as budget
    from kpi.budget.models import Unit
    from kpi.db import make_engine
    from kpi.finance.service import unit_details

    engine = make_engine(request.database_url)
    try:
        with Session(engine) as session:
            fiscal_year = budget.get_year(session, request.year)
            found = {unit.id: unit for unit in session.exec(select(Unit).where(Unit.id.in_(request.unit_ids)))}
            units = [found.get(unit_id) for unit_id in request.unit_ids]  # None: deleted since
            batch = []
            for detail in unit_details(session, fiscal_year, units, today=request.today):
                batch.append(_plain(detail))
                if len(batch) == SEND_EVERY:
                    pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
                    batch = []
            if batch:
                pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
    finally:
        engine.dispose()


def _plain(detail):
    """The sheet with each cell a plain tuple: a Styled (a NamedTuple) costs several times as
    much to pickle and, worse, to unpickle, on the writer's side (StreamingSheet takes both)."""
    if detail is None:
        return None
    return detail._replace(
        rows=[([None if cell is None else tuple(cell) for cell in cells], height) for cells, height in detail.rows]
    )


def main() -> int:
    try:
        serve(pickle.load(sys.stdin.buffer), sys.stdout.buffer)
    except BrokenPipeError:
        return 1  # the exporter stopped reading: nobody to tell
    except Exception as error:  # noqa: BLE001  (reported to the exporter, which raises it)
        traceback.print_exc()
        print(
            f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
