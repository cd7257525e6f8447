"""Does migration 0019 link the 同一指标 of a database that existed before it (issue 17)?"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from kpi.db import make_engine
from kpi.migrate import downgrade_to, upgrade_to_head
from kpi.results.models import IndicatorResult, QuarterReport

UNIT_ID = 2  # the seed unit (1 is its 主管部门)


def links(engine) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT name FROM indicator WHERE scope = 'unit' AND same_as_id IS NOT NULL")
        ).all()
    return {name for (name,) in rows}


def ids(engine, name: str) -> tuple[int, int]:
    with engine.connect() as connection:
        rows = dict(
            connection.execute(sa.text("SELECT scope, id FROM indicator WHERE name = :name"), {"name": name}).all()
        )
    return rows["unit"], rows["project"]


def test_the_migration_links_an_existing_year_and_leaves_rows_whose_own_figures_differ(sqlite_url):
    engine = make_engine(sqlite_url)
    seeded = links(engine)
    assert len(seeded) == 5
    training, training_project = ids(engine, "开展消委会业务培训数量")
    count, count_project = ids(engine, "投诉调解辅助服务")
    with Session(engine) as session:
        report = QuarterReport(unit_id=UNIT_ID, year_id=1, quarter=1)
        session.add(report)
        session.flush()
        figures = [(training, 3), (training_project, 1), (count, 5000), (count_project, 5000)]
        for indicator, value in figures:  # entered twice before the link: once differently, once alike
            session.add(IndicatorResult(report_id=report.id, indicator_id=indicator, value=Decimal(value)))
        session.commit()
    downgrade_to(engine, "0018")
    upgrade_to_head(engine)
    assert links(engine) == seeded - {"开展消委会业务培训数量"}
    engine.dispose()
