"""Text as people paste it, made safe to store and to write into any workbook.

Word pastes a vertical tab (\\x0b) for a manual line break, and other programs leave ESC, SOH or
NUL in copied text. PostgreSQL refuses NUL in text, and openpyxl refuses every C0 control
character but tab, newline and carriage return, so one such character in a note used to break
every workbook that contained it. Text is cleaned where it enters (every form and query string,
every imported cell) and again, defensively, where a cell is written.
"""

from __future__ import annotations

import re

_LINE_BREAKS = re.compile(r"[\x0b\x0c]")  # vertical tab and form feed: a line break to the person who typed it
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # the rest of C0 (tab, LF, CR stay) and DEL


def clean_text(text: str) -> str:
    """`text` with line-break controls as newlines and every other control character removed."""
    if not text.isprintable():
        text = _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))
    return text


def clean_value(value: object) -> object:
    """clean_text for a string; any other value as it is."""
    return clean_text(value) if isinstance(value, str) else value
