"""Does every button in the templates wear one of the house styles (kpi/static/css/app.css)?

A bare <button> renders as the browser's grey control: on the finance desk the one button that
starts the consolidated workbook looked disabled beside its styled neighbours.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "kpi" / "templates"
CSS = Path(__file__).resolve().parents[2] / "kpi" / "static" / "css" / "app.css"
BUTTON = re.compile(r"<button\b[^>]*>", re.S)
CLASS = re.compile(r'\bclass="([^"]*)"')


def house_classes() -> set[str]:
    """The classes app.css styles a button by: ``button.primary``, ``button.link`` …"""
    return set(re.findall(r"button\.([a-z-]+)", CSS.read_text(encoding="utf-8")))


def buttons() -> list[tuple[str, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in BUTTON.findall(path.read_text(encoding="utf-8")):
            found.append((str(path.relative_to(TEMPLATES)), tag))
    return found


def test_the_styles_are_found():
    assert {"primary", "secondary", "link", "approve", "caution", "danger"} <= house_classes()
    assert len(buttons()) > 30


@pytest.mark.parametrize(("template", "tag"), buttons())
def test_every_button_has_a_house_style(template, tag):
    match = CLASS.search(tag)
    assert match is not None, f"{template}: {tag} has no class"
    if "{{" in match.group(1):  # a macro's parameter: its callers pass the class
        return
    assert set(match.group(1).split()) & house_classes(), f"{template}: {tag} wears none of {sorted(house_classes())}"
