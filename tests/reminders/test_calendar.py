"""Does the working-day calendar follow the official Chinese calendar, and fall back to weekdays?"""

from __future__ import annotations

from datetime import date

import pytest

from kpi.domain.calendar import WorkingCalendar, is_working_day, knows_year


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2023, 10, 2), False),  # National Day, a Monday
        (date(2023, 10, 6), False),  # National Day holiday, a Friday
        (date(2023, 9, 29), False),  # Mid-Autumn Festival, a Friday
        (date(2023, 10, 7), True),  # an adjusted working day (调休上班), a Saturday
        (date(2023, 10, 8), True),  # an adjusted working day, a Sunday
        (date(2023, 8, 1), True),  # an ordinary Tuesday
        (date(2023, 8, 5), False),  # an ordinary Saturday
        (date(2023, 4, 5), False),  # Qingming, a Wednesday
    ],
)
def test_working_days_follow_the_official_calendar(day, working):
    assert is_working_day(day) is working


def test_the_first_working_day_after_the_third_quarter_of_2023_is_a_saturday_workday():
    calendar = WorkingCalendar()
    assert calendar.after(date(2023, 9, 30)) == date(2023, 10, 7)
    assert date(2023, 10, 7).weekday() == 5


def test_the_tenth_working_day_after_the_third_quarter_counts_the_adjusted_weekend():
    # 10-07 (Sat), 10-08 (Sun), then 09–13 and 16–18
    assert WorkingCalendar().nth_after(date(2023, 9, 30), 10) == date(2023, 10, 18)


def test_the_tenth_working_day_after_the_first_quarter_skips_qingming():
    assert WorkingCalendar().nth_after(date(2023, 3, 31), 10) == date(2023, 4, 17)


def test_the_first_working_day_on_or_after_a_holiday_moves_past_it():
    calendar = WorkingCalendar()
    assert calendar.on_or_after(date(2023, 10, 1)) == date(2023, 10, 7)
    assert calendar.on_or_after(date(2023, 8, 1)) == date(2023, 8, 1)
    assert calendar.on_or_after(date(2021, 8, 1)) == date(2021, 8, 2)  # a Sunday


def test_working_days_before_a_deadline_do_not_count_the_deadline_or_weekends():
    calendar = WorkingCalendar()
    assert calendar.before(date(2023, 8, 31), 5) == date(2023, 8, 24)
    assert calendar.before(date(2023, 8, 31), 2) == date(2023, 8, 29)
    assert calendar.before(date(2023, 10, 9), 2) == date(2023, 10, 7)  # counts back into the adjusted weekend


def test_the_day_after_a_deadline_on_a_friday_is_the_next_monday():
    assert WorkingCalendar().after(date(2023, 7, 14)) == date(2023, 7, 17)


def test_an_unknown_year_falls_back_to_weekdays_and_says_so():
    calendar = WorkingCalendar()
    assert not calendar.knows_year(2099)
    assert calendar.is_working_day(date(2099, 10, 1)) is True  # a Thursday: no holiday data
    assert calendar.is_working_day(date(2099, 10, 3)) is False  # a Saturday
    assert calendar.fallback_years == {2099}
    assert knows_year(2023)


def test_a_known_year_does_not_report_a_fallback():
    calendar = WorkingCalendar()
    calendar.nth_after(date(2023, 9, 30), 10)
    assert calendar.fallback_years == set()


def test_a_calendar_can_be_given_its_own_official_data():
    def official(day):
        if day.year != 2023:
            raise NotImplementedError
        return day != date(2023, 8, 1)

    calendar = WorkingCalendar(official)
    assert calendar.on_or_after(date(2023, 8, 1)) == date(2023, 8, 2)
    assert calendar.is_working_day(date(2024, 1, 6)) is False and calendar.fallback_years == {2024}


@pytest.mark.parametrize("n", [0, -1])
def test_counting_needs_at_least_one_working_day(n):
    with pytest.raises(ValueError):
        WorkingCalendar().nth_after(date(2023, 1, 1), n)
    with pytest.raises(ValueError):
        WorkingCalendar().before(date(2023, 1, 1), n)
