"""`flask --app app kpi audit verify`: check the audit trail's hash chain."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlmodel import Session

from kpi import db
from kpi.audit.service import count_events, verify_chain

audit_group = click.Group("audit", help="审计记录（修改记录）的检查。")


@audit_group.command("verify")
@with_appcontext
def audit_verify_command() -> None:
    """Walk the hash chain; list every broken link and exit 1, or confirm it is whole."""
    with Session(db.engine()) as session, session.begin():
        problems = verify_chain(session)
        total = count_events(session)
    if problems:
        click.echo(f"审计记录被篡改或缺失：共 {total} 条，{len(problems)} 处问题：", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    click.echo(f"审计记录完整：共 {total} 条")
