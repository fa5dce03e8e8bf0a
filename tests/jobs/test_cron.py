"""Cron schedules as create_scheduled_job takes them: the next run after a moment, in UTC."""

from datetime import UTC, datetime

import pytest

from jobs.cron import cron_parse
from registry import errors

MONDAY_NOON = datetime(2025, 7, 7, 12, 0, 30, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("@hourly", datetime(2025, 7, 7, 13, 0, tzinfo=UTC)),
        ("@daily", datetime(2025, 7, 8, 0, 0, tzinfo=UTC)),
        ("@weekly", datetime(2025, 7, 13, 0, 0, tzinfo=UTC)),  # Sunday
        ("@monthly", datetime(2025, 8, 1, 0, 0, tzinfo=UTC)),
        ("@yearly", datetime(2026, 1, 1, 0, 0, tzinfo=UTC)),
        ("*/15 * * * *", datetime(2025, 7, 7, 12, 15, tzinfo=UTC)),
        ("* * * * *", datetime(2025, 7, 7, 12, 1, tzinfo=UTC)),
        ("0 9 * * 1", datetime(2025, 7, 14, 9, 0, tzinfo=UTC)),  # next Monday 9:00
        ("0 9 * * mon-fri", datetime(2025, 7, 8, 9, 0, tzinfo=UTC)),
        ("30 4 1,15 * *", datetime(2025, 7, 15, 4, 30, tzinfo=UTC)),
        ("0 0 29 feb *", datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
        # Both days restricted: either one, as cron does (the 13th, or a Friday).
        ("0 0 13 * 5", datetime(2025, 7, 11, 0, 0, tzinfo=UTC)),
        ("5/20 * * * 7", datetime(2025, 7, 13, 0, 5, tzinfo=UTC)),  # 7 is Sunday too
    ],
)
def test_a_schedule_runs_next_at_the_time_cron_would(schedule, expected):
    assert cron_parse(schedule).next_after(MONDAY_NOON) == expected


@pytest.mark.parametrize(
    "schedule", ["", "every hour", "* * * *", "60 * * * *", "* * 0 * *", "*/0 * * * *", None]
)
def test_a_schedule_that_is_not_cron_is_a_bad_request(schedule):
    with pytest.raises(errors.BadRequest, match="not a cron expression"):
        cron_parse(schedule)


def test_a_schedule_that_never_runs_is_a_bad_request():
    with pytest.raises(errors.BadRequest, match="never runs"):
        cron_parse("0 0 31 2 *").next_after(MONDAY_NOON)
