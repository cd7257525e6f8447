"""Is every rules document the code cites in the repository, with the section it names?

The code cites its rules as ``docs/rules/<file>.md §N`` (and ``docs/workflow.md``,
``docs/engineering.md`` …). This scans kpi/, tests/, bench/, app.py and migrations/ for every
``<name>.md`` mention, with or without sections, and for any ``§N`` that names no document, and
checks that each cited file is inside the repository and has a heading for each section cited.
A bare name (``aggregation.md``) is looked for at the root, then under docs/rules/ and docs/.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("kpi", "tests", "bench", "migrations", "app.py")
SEARCHED_FOR_BARE_NAMES = (ROOT, ROOT / "docs" / "rules", ROOT / "docs")
TEXT_SUFFIXES = {
    ".py",
    ".html",
    ".jinja",
    ".j2",
    ".txt",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".mako",
    ".sql",
    ".md",
    ".js",
    ".css",
    ".sh",
}
RULES = ROOT / "docs" / "rules"

# A document: a path ending in .md, not glued to other path characters. Then its sections, if
# any: "§2", "§2, §3", "§2 and §3", "§2–3", "§4–§8".
_CITATION = re.compile(
    r"(?<![A-Za-z0-9_./-])(?P<doc>[A-Za-z0-9_./-]*[A-Za-z0-9_]\.md)(?![A-Za-z0-9_])"
    r"(?P<sections>\s*§\s?\d+(?:\s*(?:,|and|–|—|-|to)\s*§?\s?\d+)*)?"
)
_SECTION = re.compile(r"(?P<sep>,|and|–|—|-|to)?\s*§?\s?(?P<number>\d+)")
_BARE_SECTION = re.compile(r"§\s?\d+")


class Citation(NamedTuple):
    path: str  # the citing file, relative to the root
    line: int
    doc: str | None  # the document as written; None for a § that names no document
    section: int | None

    @property
    def key(self) -> str:
        cited = " ".join(part for part in (self.doc, None if self.section is None else f"§{self.section}") if part)
        return f"{self.path}: {cited}"


def citations_in(text: str, path: str = "<text>") -> list[Citation]:
    """Every citation in ``text``: one per document and section, and one per unattached §N."""
    found: list[Citation] = []
    covered: list[tuple[int, int]] = []
    for match in _CITATION.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        covered.append(match.span())
        sections = _sections(match["sections"] or "")
        found.extend(Citation(path, line, match["doc"], number) for number in sections or [None])
    for match in _BARE_SECTION.finditer(text):
        if not any(start <= match.start() < end for start, end in covered):
            number = int(match.group().lstrip("§").strip())
            found.append(Citation(path, text.count("\n", 0, match.start()) + 1, None, number))
    return found


def _sections(text: str) -> list[int]:
    numbers: list[int] = []
    for match in _SECTION.finditer(text):
        number = int(match["number"])
        if match["sep"] in ("–", "—", "-", "to") and numbers and numbers[-1] < number:
            numbers.extend(range(numbers[-1] + 1, number + 1))  # §4–§8 cites §5, §6 and §7 too
        else:
            numbers.append(number)
    return numbers


def scanned_files() -> list[Path]:
    files = []
    for name in SCANNED:
        top = ROOT / name
        candidates = [top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir() else []
        for path in candidates:
            if (
                path.is_file()
                and path.suffix in TEXT_SUFFIXES
                and "__pycache__" not in path.parts
                and path.resolve() != Path(__file__).resolve()
            ):
                files.append(path)
    return files


@cache
def all_citations() -> tuple[Citation, ...]:
    found = []
    for path in scanned_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found.extend(citations_in(text, path.relative_to(ROOT).as_posix()))
    return tuple(found)


def resolve(doc: str, beside: Path | None = None) -> Path | None:
    """The cited document inside the repository, or None. A document's own links may also be
    relative to the folder it is in (``beside``)."""
    bases = ([ROOT] if "/" in doc else list(SEARCHED_FOR_BARE_NAMES)) + ([beside] if beside else [])
    for base in bases:
        path = (base / doc).resolve()
        if path.is_file() and path.is_relative_to(ROOT):
            return path
    return None


@cache
def headings(path: Path) -> tuple[str, ...]:
    return tuple(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#"))


def has_section(path: Path, number: int) -> bool:
    """A heading "## §3 …" (docs/rules/) or "## 3. …" (docs/workflow.md) for section ``number``."""
    mark = re.compile(rf"§\s?{number}(?!\d)|^#+\s*{number}\.\s")
    return any(mark.search(heading) for heading in headings(path))


def problem(citation: Citation, beside: Path | None = None) -> str | None:
    if citation.doc is None:
        return f"§{citation.section} names no document"
    path = resolve(citation.doc, beside)
    if path is None:
        return f"{citation.doc} is not in the repository"
    if citation.section is not None and not has_section(path, citation.section):
        return f"{path.relative_to(ROOT).as_posix()} has no heading for §{citation.section}"
    return None


def unresolved() -> dict[str, list[str]]:
    """Each failing citation's key, with where it is and why it fails."""
    failing: dict[str, list[str]] = {}
    for citation in all_citations():
        why = problem(citation)
        if why:
            failing.setdefault(citation.key, []).append(f"{citation.path}:{citation.line}: {why}")
    return failing


def test_every_cited_rules_document_is_in_the_repository_with_its_section():
    failing = unresolved()
    assert not failing, "citations of documents or sections that do not exist:\n" + "\n".join(
        place for places in failing.values() for place in places
    )


def test_the_scan_sees_the_citations_the_code_makes():
    """A scanner that matched nothing would pass the tests above; this one reads the code's citations."""
    docs = {citation.doc for citation in all_citations()}
    assert {"docs/rules/targets.md", "docs/rules/scoring.md", "docs/workflow.md"} <= docs
    assert (
        sum(citation.doc is not None and citation.doc.startswith("docs/rules/") for citation in all_citations()) >= 100
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("(docs/rules/aggregation.md §2)", [("docs/rules/aggregation.md", 2)]),
        ("(domain.md §2–3)", [("domain.md", 2), ("domain.md", 3)]),
        ("(docs/rules/scoring.md §4–§7)", [("docs/rules/scoring.md", n) for n in (4, 5, 6, 7)]),
        ("domain.md §6 and §7 promise", [("domain.md", 6), ("domain.md", 7)]),
        (
            "(docs/rules/progress.md §3, docs/rules/layouts.md §4)",
            [("docs/rules/progress.md", 3), ("docs/rules/layouts.md", 4)],
        ),
        ("the scheduler is only a clock (stack.md).", [("stack.md", None)]),
        ("see docs/workflow.md.", [("docs/workflow.md", None)]),
        ("the §6 defaults", [(None, 6)]),
        ("((default), §4);", [(None, 4)]),
        ("read README.md and SECURITY.md", [("README.md", None), ("SECURITY.md", None)]),
        ("no citation: x.mdx, 5 § signs, a.md5", []),
    ],
)
def test_citations_are_read_as_written(text, expected):
    assert [(c.doc, c.section) for c in citations_in(text)] == expected


def test_bare_names_resolve_under_docs_rules_and_docs_but_never_outside_the_repository():
    assert resolve("aggregation.md") == RULES / "aggregation.md"
    assert resolve("workflow.md") == ROOT / "docs" / "workflow.md"
    assert resolve("README.md") == ROOT / "README.md"
    assert resolve("../shared/stack.md") is None
    assert resolve("domain.md") is None


def test_every_rules_document_is_indexed_and_numbers_its_sections_in_order():
    index = (RULES / "README.md").read_text(encoding="utf-8")
    for path in sorted(RULES.glob("*.md")):
        if path.name == "README.md":
            continue
        assert f"({path.name})" in index, f"{path.name} is not listed in docs/rules/README.md"
        numbers = [int(m[1]) for m in (re.match(r"## §(\d+) ", h) for h in headings(path)) if m]
        assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: sections {numbers}"


@pytest.mark.parametrize(
    "document",
    [*sorted(RULES.glob("*.md")), ROOT / "docs" / "engineering.md"],
    ids=lambda path: path.relative_to(ROOT).as_posix(),
)
def test_the_rules_documents_cite_one_another_correctly(document):
    """Their own references ("docs/rules/progress.md §5", "targets.md §1–§5") resolve too; a bare
    § there is a heading or a section of the reference, so only references to documents count."""
    text = document.read_text(encoding="utf-8")
    failing = [
        f"line {c.line}: {why}"
        for c in citations_in(text)
        if c.doc is not None
        for why in [problem(c, document.parent)]
        if why
    ]
    assert not failing, "\n".join(failing)
