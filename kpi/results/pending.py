"""Uploads waiting for their confirmation: <folder>/<token>.xlsx with <token>.json.

A preview keeps the file on the server (never in the browser) under a random token bound
to the user and the quarter. The folder is bounded, because any staff account can post
previews as fast as it likes (20 previews once wrote 94 MB in 1.4 s):

- a user keeps one pending upload per quarter: a new preview replaces the older one;
- a user keeps at most ``MAX_PER_USER`` in all: the oldest goes first;
- all users together keep at most ``MAX_TOTAL_BYTES``: past that a preview is refused
  (PendingFull) until confirmations, cancellations or the ``TTL`` free room.
Confirming or cancelling removes the file at once.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

TTL = 2 * 3600  # seconds an upload waits for its confirmation
MAX_PER_USER = 3
MAX_TOTAL_BYTES = 200 * 1024 * 1024
TOKEN = re.compile(r"[0-9a-f]{32}")


class PendingFull(Exception):
    """The folder holds as much as it may; the message is Chinese."""

    message = "服务器上待确认的上传文件过多，请先确认或取消已上传的文件，或稍后再试。"


@dataclass(frozen=True)
class Owner:
    user_id: int
    unit_id: int
    year: int
    quarter: int


@dataclass(frozen=True)
class _Entry:
    token: str
    owner: Owner | None
    created: float
    size: int


def store(folder: Path, data: bytes, owner: Owner, version: int, token: str | None = None) -> str:
    """Keep ``data`` for ``owner``; returns its token (a new one unless ``token`` is given)."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = _entries(folder)
    if token is None:
        for entry in entries:
            if entry.owner == owner:
                discard(folder, entry.token)  # the same user and quarter: the new file replaces it
        entries = [e for e in entries if e.owner != owner]
        mine = sorted((e for e in entries if e.owner and e.owner.user_id == owner.user_id), key=lambda e: e.created)
        for entry in mine[: max(0, len(mine) - MAX_PER_USER + 1)]:
            discard(folder, entry.token)
            entries.remove(entry)
        if sum(e.size for e in entries) + len(data) > MAX_TOTAL_BYTES:
            raise PendingFull
        token = secrets.token_hex(16)
        (folder / f"{token}.xlsx").write_bytes(data)
    meta = {
        "user_id": owner.user_id,
        "unit_id": owner.unit_id,
        "year": owner.year,
        "quarter": owner.quarter,
        "version": version,
        "created": time.time(),
    }
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def load(folder: Path, token: str | None, owner: Owner) -> tuple[bytes, int] | None:
    """The stored bytes and the version seen at preview, if the token is ``owner``'s."""
    if not token or not TOKEN.fullmatch(token):
        return None
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.xlsx").read_bytes()
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or _owner(meta) != owner:
        return None
    if time.time() - _number(meta.get("created")) > TTL:
        discard(folder, token)
        return None
    version = meta.get("version")
    return data, version if isinstance(version, int) else -1  # -1 never matches: a damaged record is a Conflict


def discard(folder: Path, token: str | None) -> None:
    if TOKEN.fullmatch(token or ""):
        for suffix in (".json", ".xlsx"):
            (folder / f"{token}{suffix}").unlink(missing_ok=True)


def discard_if_owned(folder: Path, token: str | None, owner: Owner) -> bool:
    """Cancel: remove the upload when it is ``owner``'s; whether it was."""
    if load(folder, token, owner) is None:
        return False
    discard(folder, token)
    return True


def _entries(folder: Path) -> list[_Entry]:
    """Every pending upload still in time; expired and orphaned files are removed on the way."""
    cutoff = time.time() - TTL
    found = []
    for path in folder.glob("*.xlsx"):
        token = path.stem
        if not TOKEN.fullmatch(token):
            continue
        try:
            size = path.stat().st_size
            meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = None
        created = _number(meta.get("created")) if isinstance(meta, dict) else 0.0
        if created < cutoff:
            discard(folder, token)
            continue
        found.append(_Entry(token, _owner(meta), created, size))
    for path in folder.glob("*.json"):  # a record whose file is gone
        if TOKEN.fullmatch(path.stem) and not (folder / f"{path.stem}.xlsx").exists():
            path.unlink(missing_ok=True)
    return found


def _owner(meta: dict) -> Owner | None:
    values = [meta.get(key) for key in ("user_id", "unit_id", "year", "quarter")]
    return Owner(*values) if all(isinstance(v, int) for v in values) else None


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0
