"""Does a worker's memory stay flat under repeated hostile requests?

The attack (issue: hardening, round two, item 1): rejected saves of the entry form, each
with long, different notes in every row. The form used to remember each row's HTML keyed
by what was typed, so every such post stayed in the worker: twelve posts took it from 106 MB
to 941 MB. Nothing typed may outlive its request.
"""

from __future__ import annotations

import gc
import tracemalloc

from tests.conftest import AuthActions
from tests.results import conftest as results
from tests.results.conftest import QuarterPoster

ids = results.ids  # the fixture: indicator and budget line ids by name

POSTS = 3  # the old cache grew by about 1 MB a post: three posts are three times the allowance
NOTE_CHARS = 5_000  # past MAX_TEXT: the save is refused and every note is shown back
ALLOWED_GROWTH = 1024 * 1024  # a flat worker keeps about 12 KB over the three posts


def _post_hostile_save(poster: QuarterPoster, names: list[str], round_: int):
    note = f"第{round_}轮" + "长" * NOTE_CHARS  # a different text each time: no cache key repeats
    values = {(name, "note"): note + name for name in names}
    response = poster.post(values)
    assert response.status_code == 400  # refused, shown again with what was typed
    assert "过长" in response.get_data(as_text=True)


def test_rejected_saves_with_long_notes_do_not_stay_in_the_worker(client, ids):
    AuthActions(client).login("szcc_staff")
    poster = QuarterPoster(client, ids)
    names = list(ids["indicator"])
    for round_ in range(1):  # warm up: templates compiled, connections pooled
        _post_hostile_save(poster, names, round_)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for round_ in range(2, 2 + POSTS):
            _post_hostile_save(poster, names, round_)
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert growth < ALLOWED_GROWTH, f"{growth / 1e6:.1f} MB kept after {POSTS} rejected saves"
