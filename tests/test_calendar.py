"""The civil-service working-day calendar: Vietnam's holidays, Tết, swaps, làm bù and overrides.

Every expected date below was worked out by hand from the official calendar
(Labor Code 2019 art. 112 and the government's yearly announcements), with
the reasoning in a comment; none was copied from what the code returns.
"""

from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
import pytest

from bot import calendar as calendar_module
from bot.calendar import WorkingCalendar, load_overrides

EXAMPLE_OVERRIDES = (
    Path(__file__).resolve().parent.parent / "config" / "calendar_overrides.example.toml"
)


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


# --- Monday to Friday -----------------------------------------------------------


def test_ordinary_weekdays_are_working_days_and_weekends_are_not(calendar):
    # Week of 9-15 March 2026: no holiday anywhere near it.
    assert all(calendar.is_working_day(date(2026, 3, d)) for d in range(9, 14))  # Mon-Fri
    assert not calendar.is_working_day(date(2026, 3, 14))  # Saturday
    assert not calendar.is_working_day(date(2026, 3, 15))  # Sunday


# --- Tết ---------------------------------------------------------------------------

# Tết Giáp Thìn 2024: Lunar New Year on Saturday 10/2/2024. The five Tết days are
# 9/2 (eve) to 13/2 (mùng 4); the Saturday and Sunday among them are given back on
# Thursday 8/2 and Wednesday 14/2, so officials were off Thu 8/2 - Wed 14/2.
# Tết Ất Tỵ 2025: Lunar New Year on Wednesday 29/1/2025. Tết days 28/1 - 1/2 (Sat),
# the Saturday given back on Monday 27/1: off Sat 25/1 - Sun 2/2 (9 days), no làm bù.
# Tết Bính Ngọ 2026: Lunar New Year on Tuesday 17/2/2026. Tết days Mon 16/2 - Fri 20/2:
# off Sat 14/2 - Sun 22/2 (9 days).
# Tết Đinh Mùi 2027: Lunar New Year on Saturday 6/2/2027, the same shape as 2024 and
# not announced yet: Tết days 5/2 (eve) - 9/2 (mùng 4), the Saturday and Sunday given
# back on Thursday 4/2 and Wednesday 10/2, so off Thu 4/2 - Wed 10/2 unless the
# government decides otherwise (then an override says so).
TET = {
    2024: (date(2024, 2, 7), date(2024, 2, 8), date(2024, 2, 14), date(2024, 2, 15)),
    2025: (date(2025, 1, 24), date(2025, 1, 25), date(2025, 2, 2), date(2025, 2, 3)),
    2026: (date(2026, 2, 13), date(2026, 2, 14), date(2026, 2, 22), date(2026, 2, 23)),
    2027: (date(2027, 2, 3), date(2027, 2, 4), date(2027, 2, 10), date(2027, 2, 11)),
}


@pytest.mark.parametrize("year", sorted(TET))
def test_every_day_of_tet_is_off_and_the_days_around_it_are_working_days(calendar, year):
    last_working, first_off, last_off, first_back = TET[year]
    assert calendar.is_working_day(last_working)
    day = first_off
    while day <= last_off:
        assert not calendar.is_working_day(day), day
        day += timedelta(days=1)
    assert calendar.is_working_day(first_back)


@pytest.mark.parametrize("year", sorted(TET))
def test_the_first_working_day_after_tet_follows_the_last_one_before_it(calendar, year):
    last_working, _, _, first_back = TET[year]
    assert calendar.working_days_after(last_working, 1) == first_back
    assert calendar.working_days_before(first_back, 1) == last_working
    assert calendar.working_days_between(last_working, first_back) == 1


def test_no_saturday_is_worked_after_tet_2025(calendar):
    # Tết 2025 needed no làm bù: Saturday 8/2/2025 stayed a day off.
    assert not calendar.is_working_day(date(2025, 2, 8))


# --- other public holidays -------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 1),  # Tết Dương lịch, Wednesday
        date(2024, 4, 18),  # Giỗ Tổ Hùng Vương (10/3 lunar), Thursday
        date(2026, 4, 27),  # Giỗ Tổ 2026 falls on Sunday 26/4, given back on Monday 27/4
        date(2026, 4, 30),  # Ngày Chiến thắng, Thursday
        date(2026, 5, 1),  # Quốc tế Lao động, Friday
        date(2025, 9, 1),  # Quốc khánh 2025: 2/9 (Tue) and the day before it
        date(2025, 9, 2),
        date(2026, 9, 1),  # Quốc khánh 2026: 2/9 (Wed) and the day before it
        date(2026, 9, 2),
        date(2026, 11, 24),  # Ngày Văn hóa Việt Nam, a day off from 2026 (Tuesday)
    ],
)
def test_public_holidays_on_weekdays_are_not_working_days(calendar, day):
    assert day.weekday() < 5
    assert not calendar.is_working_day(day)


# --- swapped days off and làm bù Saturdays ----------------------------------------


@pytest.mark.parametrize(
    "swapped_off, worked_saturday",
    [
        # Công văn 2450/VPCP-KGVX (2024): Monday 29/4 off, Saturday 4/5 worked.
        (date(2024, 4, 29), date(2024, 5, 4)),
        # Thông báo 6150/TB-BLĐTBXH (2025): Friday 2/5 off, Saturday 26/4 worked.
        (date(2025, 5, 2), date(2025, 4, 26)),
        # Quốc khánh 2026: Monday 31/8 off, Saturday 22/8 worked.
        (date(2026, 8, 31), date(2026, 8, 22)),
    ],
)
def test_a_swapped_day_off_is_not_a_working_day_and_its_saturday_is(
    calendar, swapped_off, worked_saturday
):
    assert swapped_off.weekday() < 5 and worked_saturday.weekday() == 5
    assert not calendar.is_working_day(swapped_off)
    assert calendar.is_working_day(worked_saturday)


def test_a_saturday_made_a_working_day_counts(calendar):
    # Friday 3/5/2024, then Saturday 4/5/2024 (làm bù) is the next working day.
    assert calendar.working_days_after(date(2024, 5, 3), 1) == date(2024, 5, 4)
    # Friday 25/4/2025, then Saturday 26/4/2025 (làm bù).
    assert calendar.working_days_after(date(2025, 4, 25), 1) == date(2025, 4, 26)
    # Monday 24/8/2026 back to the làm bù Saturday 22/8/2026 (Sunday 23/8 is off).
    assert calendar.working_days_before(date(2026, 8, 24), 1) == date(2026, 8, 22)


def test_a_swapped_day_off_does_not_count(calendar):
    # Friday 26/4/2024: Sat 27, Sun 28 off, Mon 29/4 swapped off, 30/4 and 1/5 holidays,
    # so the next working day is Thursday 2/5/2024.
    assert calendar.working_days_after(date(2024, 4, 26), 1) == date(2024, 5, 2)
    # Tuesday 29/4/2025: 30/4 and 1/5 holidays, Fri 2/5 swapped off, weekend:
    # Monday 5/5/2025.
    assert calendar.working_days_after(date(2025, 4, 29), 1) == date(2025, 5, 5)


def test_the_fifth_working_day_after_wednesday_26_august_2026_is_monday_7_september(calendar):
    # DOMAIN.md worked example: Thu 27 (1), Fri 28 (2), weekend, Mon 31/8 swapped off,
    # Tue 1/9 and Wed 2/9 Quốc khánh, Thu 3 (3), Fri 4 (4), weekend, Mon 7/9 (5).
    assert calendar.working_days_after(date(2026, 8, 26), 5) == date(2026, 9, 7)


# --- counting: the day of the event never counts (Civil Code art. 147-148) ---------


def test_the_day_of_the_event_never_counts(calendar):
    monday = date(2026, 3, 9)
    assert calendar.working_days_after(monday, 1) == date(2026, 3, 10)  # Tuesday
    assert calendar.working_days_before(monday, 1) == date(2026, 3, 6)  # the Friday before
    # From a Saturday, counting starts on Sunday (off), so the 1st is Monday 16/3.
    assert calendar.working_days_after(date(2026, 3, 14), 1) == date(2026, 3, 16)
    # Ten working days after Monday 9/3/2026 is Monday 23/3/2026 (10-13, 16-20, 23).
    assert calendar.working_days_after(monday, 10) == date(2026, 3, 23)


@pytest.mark.parametrize("n", [0, -1, 1.5, True])
def test_counting_needs_a_positive_number_of_working_days(calendar, n):
    with pytest.raises(ValueError):
        calendar.working_days_after(date(2026, 3, 9), n)
    with pytest.raises(ValueError):
        calendar.working_days_before(date(2026, 3, 9), n)


def test_deadlines_are_dates_not_datetimes(calendar):
    with pytest.raises(TypeError):
        calendar.is_working_day(datetime(2026, 3, 9, 23, 30))


def test_a_year_the_holidays_package_does_not_cover_is_refused(calendar):
    with pytest.raises(ValueError, match="2150"):
        calendar.is_working_day(date(2150, 1, 5))


# --- working_days_between -------------------------------------------------------------


def test_working_days_between_counts_the_end_but_not_the_start(calendar):
    # (Mon 9/3, Fri 13/3] = Tue, Wed, Thu, Fri.
    assert calendar.working_days_between(date(2026, 3, 9), date(2026, 3, 13)) == 4
    # (Fri 13/3, Mon 16/3] = Monday only.
    assert calendar.working_days_between(date(2026, 3, 13), date(2026, 3, 16)) == 1
    # (Sat 14/3, Sun 15/3] = nothing.
    assert calendar.working_days_between(date(2026, 3, 14), date(2026, 3, 15)) == 0


def test_working_days_between_is_zero_on_the_day_and_negative_when_late(calendar):
    due = date(2026, 3, 13)
    assert calendar.working_days_between(due, due) == 0
    # Two working days left on Wednesday 11/3 (Thu 12, Fri 13) ...
    assert calendar.working_days_between(date(2026, 3, 11), due) == 2
    # ... and on Tuesday 17/3 it is two working days late (Mon 16, Tue 17).
    assert calendar.working_days_between(due, date(2026, 3, 17)) == 2
    assert calendar.working_days_between(date(2026, 3, 17), due) == -2


def test_working_days_between_crosses_the_new_year(calendar):
    # (Tue 31/12/2024, Thu 2/1/2025] = Thursday only: 1/1/2025 is Tết Dương lịch.
    assert calendar.working_days_between(date(2024, 12, 31), date(2025, 1, 2)) == 1
    # (Mon 30/12/2024, Mon 6/1/2025]: Tue 31/12, Thu 2/1, Fri 3/1, Mon 6/1.
    assert calendar.working_days_between(date(2024, 12, 30), date(2025, 1, 6)) == 4
    assert calendar.working_days_between(date(2025, 1, 6), date(2024, 12, 30)) == -4


def test_the_nth_working_day_after_is_n_working_days_away(calendar):
    start = date(2025, 12, 1)
    for offset in range(0, 120, 3):
        day = start + timedelta(days=offset)
        for n in (1, 7, 10, 20, 30):
            assert calendar.working_days_between(day, calendar.working_days_after(day, n)) == n


# --- overrides announced by the government later -----------------------------------


def test_overrides_win_over_the_package_both_ways():
    calendar = WorkingCalendar(
        {
            date(2026, 3, 10): False,  # an ordinary Tuesday made a day off
            date(2026, 3, 14): True,  # an ordinary Saturday made a working day
            date(2026, 9, 2): True,  # a public holiday made a working day
            date(2026, 8, 22): False,  # the package's làm bù Saturday taken back
        }
    )
    assert not calendar.is_working_day(date(2026, 3, 10))
    assert calendar.is_working_day(date(2026, 3, 14))
    assert calendar.is_working_day(date(2026, 9, 2))
    assert not calendar.is_working_day(date(2026, 8, 22))
    # Counting follows the overrides: after Monday 9/3 comes Wednesday 11/3 ...
    assert calendar.working_days_after(date(2026, 3, 9), 1) == date(2026, 3, 11)
    # ... and after Friday 13/3 the overridden Saturday 14/3.
    assert calendar.working_days_after(date(2026, 3, 13), 1) == date(2026, 3, 14)


def test_overrides_do_not_leak_into_another_calendar():
    WorkingCalendar({date(2026, 3, 10): False})
    assert WorkingCalendar().is_working_day(date(2026, 3, 10))


def test_each_year_is_built_once(monkeypatch):
    built = []
    real = holidays.country_holidays

    def counting(*args, **kwargs):
        built.append(kwargs.get("years"))
        return real(*args, **kwargs)

    monkeypatch.setattr(calendar_module.holidays, "country_holidays", counting)
    calendar = WorkingCalendar()
    for _ in range(3):
        calendar.working_days_after(date(2026, 12, 20), 30)
        calendar.working_days_between(date(2026, 1, 5), date(2027, 3, 1))
    assert sorted(built) == [2026, 2027]


# --- load_overrides ---------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overrides.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_overrides_reads_days_off_and_worked_saturdays(tmp_path):
    path = write(
        tmp_path,
        """
[[day]]
date = 2027-01-02
working = false
note = "example only"

[[day]]
date = 2027-01-09
working = true
""",
    )
    assert load_overrides(path) == {date(2027, 1, 2): False, date(2027, 1, 9): True}


def test_the_example_overrides_file_has_no_effective_entries():
    assert load_overrides(EXAMPLE_OVERRIDES) == {}


def test_an_empty_overrides_file_means_no_overrides(tmp_path):
    assert load_overrides(write(tmp_path, "# nothing announced yet\n")) == {}


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[[day]]\ndate = "2027-02-30"\nworking = false\n', r"entry 1.*'date'"),
        ("[[day]]\nworking = false\n", r"entry 1.*missing 'date'"),
        ('[[day]]\ndate = 2027-01-02\nworking = "no"\n', r"entry 1 \(2027-01-02\).*'working'"),
        ("[[day]]\ndate = 2027-01-02\n", r"entry 1 \(2027-01-02\).*'working'"),
        ("[[day]]\ndate = 2027-01-02T08:00:00\nworking = false\n", r"entry 1.*'date'"),
        (
            "[[day]]\ndate = 2027-01-02\nworking = false\n"
            "[[day]]\ndate = 2027-01-04\nworkin = true\n",
            r"entry 2.*unknown key.*workin",
        ),
        (
            "[[day]]\ndate = 2027-01-02\nworking = false\n"
            "[[day]]\ndate = 2027-01-02\nworking = true\n",
            r"entry 2 \(2027-01-02\).*contradicts",
        ),
        ("[days]\ndate = 2027-01-02\n", r"unknown top-level key.*days"),
        ("day = 2027-01-02\n", r"\[\[day\]\]"),
        ("[[day]\ndate = 2027-01-02\n", r"not valid TOML"),
    ],
)
def test_load_overrides_names_the_file_and_the_entry_on_bad_input(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=expected) as raised:
        load_overrides(path)
    assert str(path) in str(raised.value)


def test_load_overrides_reports_a_missing_file_as_a_value_error(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ValueError, match="nowhere.toml"):
        load_overrides(missing)
