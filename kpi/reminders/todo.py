"""The 待办 page: what is due, for the signed-in person, first thing after signing in.

People open the system because something is due. The reminders already know what each unit owes
and when (kpi.domain.reminder_rules: the same dates, from the year's own rules, on the official
working-day calendar), so this is the same knowledge as a page:

- a unit's 填报人 and 审核人 see every report of their unit whose window has opened and that is not
  yet approved: to fill (草稿 / 已退回 with its reason / 已重新打开), awaiting review, and pending
  目标调整, each with its due date and a link; overdue ones first, in red; the next report to open;
- 财政局 sees the units that are overdue, and the adjustments waiting for its approval;
- 管理员 sees set-up gaps: units without a 填报人 or 审核人 account, years without target tables.

The reports are found through the registry of report kinds, never by table name; pending
adjustments are lent by their feature (kpi.reports.contributions, PENDING_ADJUSTMENTS).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from kpi.accounts.models import User
from kpi.budget.models import FiscalYear, Unit
from kpi.domain.calendar import WorkingCalendar
from kpi.domain.reminder_rules import ReminderRules, RulesError, report_name, schedule
from kpi.indicators.models import Indicator
from kpi.reminders.notify import report_link
from kpi.reports.contributions import PENDING_ADJUSTMENTS, MissingContribution, TodoItem, provided
from kpi.workflow import STATUS_LABELS
from kpi.workflow.kinds import chased_by

DONE = ("approved",)  # a report is off the list once approved; submitted waits for its reviewer
IN = ("submitted", "approved")  # … and is no longer owed once submitted
UNIT_ROLES = ("staff", "reviewer")


@dataclass
class TodoPage:
    """Everything the 待办 page shows; each list is empty when it does not apply to the role."""

    items: list[TodoItem] = field(default_factory=list)  # the person's unit: to do and awaiting review
    upcoming: list[TodoItem] = field(default_factory=list)  # the next report to open, per year
    overdue_units: list[TodoItem] = field(default_factory=list)  # 财政局: every unit's overdue reports
    awaiting_finance: list[TodoItem] = field(default_factory=list)  # 财政局: adjustments to approve
    gaps: list[tuple[str, str]] = field(default_factory=list)  # 管理员: set-up gaps (in Chinese, where to fix)
    past_years: list[int] = field(default_factory=list)  # the years shown that are over (demo data)
    today: date | None = None
    unit_name: str | None = None  # a unit person's own unit


@dataclass(frozen=True)
class Report:
    """One report a unit owes in a year, with its dates from the year's rules."""

    kind: str  # the reminder kind: quarterly, monitoring, self_evaluation
    period: int
    opens_on: date
    due_on: date


def todo_page(session: Session, user: User, today: date, *, calendar: WorkingCalendar | None = None) -> TodoPage:
    calendar = calendar or WorkingCalendar()
    page = TodoPage(today=today)
    if user.role in UNIT_ROLES and user.unit_id is not None:
        unit = session.get(Unit, user.unit_id)
        page.unit_name = unit.name if unit else None
        mine = [fiscal_year for fiscal_year, _ in _years_with_tables(session, user.unit_id)]
        for fiscal_year in mine if unit is not None else []:
            _unit_items(session, page, unit, fiscal_year, today, calendar)
        page.items += _lent_adjustments(session, user)
        page.past_years = _past(mine, today)
    years = _years_with_tables(session) if user.can("finance") or user.role == "admin" else []
    if user.can("finance"):
        for fiscal_year, unit_ids in years:
            page.overdue_units += _overdue(session, fiscal_year, unit_ids, today, calendar)
        page.awaiting_finance = _lent_adjustments(session, user)
        page.past_years = _past([fiscal_year for fiscal_year, _ in years], today)
    if user.role == "admin":
        page.gaps = setup_gaps(session, years)
    page.items.sort(key=lambda item: _urgency(item, user.role))
    page.overdue_units.sort(key=lambda item: (item.due_on or today, item.unit))
    return page


def _past(years: list[FiscalYear], today: date) -> list[int]:
    """The years shown whose reports are all past due: the demo data's, for a newcomer."""
    return sorted(fiscal_year.year for fiscal_year in years if fiscal_year.year < today.year - 1)


# What each unit role acts on itself: a 审核人 reviews what was sent, a 填报人 fills what is owed. A
# person's own actions come first, then the rest of the unit's list, so that the reviewer's one
# report to approve is not found below five overdue ones that are the 填报人's to fill.
OWN_ACTION = {"reviewer": "review", "staff": "fill"}


def _urgency(item: TodoItem, role: str):
    return (item.action != OWN_ACTION.get(role, item.action), not item.overdue, item.due_on or date.max, item.title)


def reports_of(fiscal_year: FiscalYear, calendar: WorkingCalendar) -> list[Report]:
    """The year's reports in date order, with the dates the reminders use (the year's own rules)."""
    try:
        rules = ReminderRules.from_settings(fiscal_year.settings)
    except RulesError:
        rules = ReminderRules()  # the settings page shows what is wrong; the page still needs dates
    return [
        Report(stages[0].kind, stages[0].period, stages[0].raise_on, stages[0].due_on)
        for stages in schedule(fiscal_year.year, rules, calendar)
    ]


def _statuses(session: Session, fiscal_year: FiscalYear, unit_ids: Iterable[int] | None) -> dict:
    """(reminder kind, period, unit id) → (status, review reason, report id), one query per kind."""
    found = {}
    for reminder in ("quarterly", "monitoring", "self_evaluation"):
        kind = chased_by(reminder)
        model = kind.model
        period = getattr(model, kind.period) if kind.period else None
        columns = [model.unit_id, model.status, model.review_reason] + ([period] if period is not None else [])
        query = select(*columns).where(model.year_id == fiscal_year.id)
        if unit_ids is not None:
            query = query.where(model.unit_id.in_(list(unit_ids)))
        for row in session.exec(query):
            found[(reminder, row[3] if period is not None else 0, row[0])] = (row[1], row[2])
    return found


def _unit_items(
    session: Session, page: TodoPage, unit: Unit, fiscal_year: FiscalYear, today: date, calendar: WorkingCalendar
) -> None:
    statuses = _statuses(session, fiscal_year, [unit.id])
    upcoming = None
    for report in reports_of(fiscal_year, calendar):
        status, reason = statuses.get((report.kind, report.period, unit.id), (None, None))
        if status in DONE:
            continue
        item = _item(unit, fiscal_year, report, status, reason, today)
        if report.opens_on > today:
            upcoming = upcoming or item
        else:
            page.items.append(item)
    if upcoming is not None:
        page.upcoming.append(upcoming)


def _item(unit: Unit, fiscal_year: FiscalYear, report: Report, status, reason, today: date) -> TodoItem:
    owed = status not in IN
    state = "待审核" if status == "submitted" else STATUS_LABELS.get(status, "未填报") if status else "未填报"
    return TodoItem(
        title=report_name(report.kind, report.period, fiscal_year.year),
        unit=unit.name,
        state=state,
        link=report_link(report.kind, unit.id, fiscal_year.year, report.period),
        due_on=report.due_on,
        overdue=owed and today > report.due_on,
        note=reason if status in ("returned", "reopened") else None,
        action="review" if status == "submitted" else "fill",
    )


def _overdue(
    session: Session, fiscal_year: FiscalYear, unit_ids: set[int], today: date, calendar: WorkingCalendar
) -> list[TodoItem]:
    """Every unit's reports past their due date and not yet submitted (财政局's overview)."""
    past = [report for report in reports_of(fiscal_year, calendar) if today > report.due_on]
    if not past:
        return []
    statuses = _statuses(session, fiscal_year, None)
    units = {unit.id: unit for unit in session.exec(select(Unit).where(Unit.id.in_(list(unit_ids))))}
    items = []
    for unit_id in sorted(unit_ids):
        for report in past:
            status, reason = statuses.get((report.kind, report.period, unit_id), (None, None))
            if status not in IN and unit_id in units:
                items.append(_item(units[unit_id], fiscal_year, report, status, reason, today))
    return items


def _lent_adjustments(session: Session, user: User) -> list[TodoItem]:
    try:
        pending = provided(PENDING_ADJUSTMENTS)
    except MissingContribution:
        return []  # an app without the adjustments feature
    return list(pending(session, user))


def _years_with_tables(session: Session, unit_id: int | None = None) -> list[tuple[FiscalYear, set[int]]]:
    """Each fiscal year with indicators, newest first, and the units that have them (``unit_id``
    only, when given: a unit's own page reads its own index entries, not the city's indicators)."""
    years: dict[int, set[int]] = {}
    pairs = select(Indicator.year_id, Indicator.unit_id)
    if unit_id is not None:
        pairs = pairs.where(Indicator.unit_id == unit_id)
    for year_id, unit in session.exec(pairs.distinct()):
        years.setdefault(year_id, set()).add(unit)
    rows = session.exec(select(FiscalYear).where(FiscalYear.id.in_(list(years))).order_by(FiscalYear.year.desc()))
    return [(fiscal_year, years[fiscal_year.id]) for fiscal_year in rows]


ACCOUNTS_PAGE = "/admin/users/new"  # kpi.accounts.admin_routes: create an account
ROLL_YEAR_PAGE = "/admin/years/roll"  # kpi.indicators.rollover_routes: copy a year's tables


def setup_gaps(session: Session, years: list[tuple[FiscalYear, set[int]]]) -> list[tuple[str, str]]:
    """What an admin still has to set up, and the page to do it on: units nobody can fill or
    review (账号管理), years without tables (年度结转)."""
    gaps = []
    active = session.exec(select(User.unit_id, User.role).where(User.is_active.is_(True), User.unit_id.is_not(None)))
    roles: dict[int, set[str]] = {}
    for unit_id, role in active:
        roles.setdefault(unit_id, set()).add(role)
    for unit in session.exec(select(Unit).order_by(Unit.name)):
        missing = [
            label
            for role, label in (("staff", "填报人"), ("reviewer", "审核人"))
            if role not in roles.get(unit.id, set())
        ]
        if missing:
            gaps.append((f"{unit.name}：没有{'、'.join(missing)}账号", ACCOUNTS_PAGE))
    with_tables = {fiscal_year.id for fiscal_year, _ in years}
    for fiscal_year in session.exec(select(FiscalYear).order_by(FiscalYear.year)):
        if fiscal_year.id not in with_tables:
            gaps.append((f"{fiscal_year.year}年：还没有任何单位的绩效目标表", ROLL_YEAR_PAGE))
    return gaps
