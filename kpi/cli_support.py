"""What every `flask kpi …` command shares: Chinese errors with exit 1, and writing an export.

Feature packages import from here rather than from kpi.cli, which imports them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

import click


def fail(message: str, problems: Iterable[str] = ()) -> NoReturn:
    """Print a Chinese error (and each problem under it) to stderr and exit 1."""
    click.echo(f"错误：{message}", err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


def require_xlsx(out: Path) -> None:
    if out.suffix.lower() != ".xlsx":
        fail(f"输出文件必须是 .xlsx：{out}")


def write_export(exported, out: Path, what: str) -> None:
    """Write an export's bytes to OUT and say where it and its copy under exports/ are."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(exported.data)
    except OSError as error:
        fail(f"无法写入 {out}：{error.strerror or error}")
    click.echo(f"已导出{what}：{out}")
    if exported.copy is not None:
        click.echo(f"副本：{exported.copy}")
