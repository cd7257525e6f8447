"""Working days by the official Chinese calendar (工作日), and the reminder dates built on them.

docs/rules/reminders.md §1: statutory holidays are off, and the weekend days declared as
adjusted working days (调休上班) are on. The `chinesecalendar` package carries the
State Council's yearly notices. It only knows the years published when it was
released: for any other year it raises NotImplementedError, and we fall back to
Monday–Friday. Pure: the calendar remembers which years fell back
(`fallback_years`) and the shell decides whether to log it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import chinese_calendar

ONE_DAY = timedelta(days=1)
# A run of non-working days longer than this means a broken calendar, not a holiday.
_MAX_GAP = 60


def _official(day: date) -> bool:
    return chinese_calendar.is_workday(day)


class WorkingCalendar:
    """Working days, with a Monday–Friday fallback for years the official data does not cover.

    `official` answers "is this a working day?" or raises NotImplementedError for an
    unknown year (the package's contract); tests may pass their own.
    """

    def __init__(self, official: Callable[[date], bool] = _official):
        self._official = official
        self._known: dict[int, bool] = {}
        self.fallback_years: set[int] = set()  # years answered Monday–Friday so far

    def knows_year(self, year: int) -> bool:
        """Whether the official calendar covers `year` (else weekdays are used)."""
        if year not in self._known:
            try:
                self._official(date(year, 1, 1))
                self._known[year] = True
            except NotImplementedError:
                self._known[year] = False
        return self._known[year]

    def is_working_day(self, day: date) -> bool:
        if self.knows_year(day.year):
            return self._official(day)
        self.fallback_years.add(day.year)
        return day.weekday() < 5

    def on_or_after(self, day: date) -> date:
        """The first working day on or after `day` (e.g. the first working day of August)."""
        for _ in range(_MAX_GAP):
            if self.is_working_day(day):
                return day
            day += ONE_DAY
        raise ValueError(f"no working day within {_MAX_GAP} days of {day}")

    def after(self, day: date) -> date:
        """The first working day strictly after `day` (the day after a quarter or a deadline)."""
        return self.on_or_after(day + ONE_DAY)

    def nth_after(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n ≥ 1): the 10th after a quarter's end is its deadline."""
        if n < 1:
            raise ValueError("n must be at least 1")
        for _ in range(n):
            day = self.after(day)
        return day

    def before(self, deadline: date, n: int) -> date:
        """The working day n working days before `deadline` (n ≥ 1), not counting the deadline itself."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day = deadline
        for _ in range(n):
            day -= ONE_DAY
            for _ in range(_MAX_GAP):
                if self.is_working_day(day):
                    break
                day -= ONE_DAY
        return day


_default = WorkingCalendar()


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day (official calendar, else Monday–Friday)."""
    return _default.is_working_day(day)


def knows_year(year: int) -> bool:
    """Whether the official calendar covers `year`."""
    return _default.knows_year(year)
