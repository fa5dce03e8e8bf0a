"""Cron schedules as the Hub's scheduled jobs take them: five fields (minute, hour, day of
month, month, day of week; `*`, lists, ranges, steps, month and day names) or one of
@annually, @yearly, @monthly, @weekly, @daily (@midnight), @hourly. Times are UTC."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from registry import errors

_ALIASES = {
    "@annually": "0 0 1 1 *",
    "@yearly": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# (lowest, highest, names) per field; day of week 7 is Sunday too.
_FIELDS = ((0, 59, []), (0, 23, []), (1, 31, []), (1, 12, _MONTHS), (0, 7, _DAYS))
_PART = re.compile(r"^(?:(\*)|([a-z0-9]+)(?:-([a-z0-9]+))?)(?:/(\d+))?$")
# A schedule that never fires (e.g. 30 February) is refused rather than searched forever.
_HORIZON = timedelta(days=366 * 5)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day of month is `*`
    any_weekday: bool  # day of week is `*`

    def _day_matches(self, moment: datetime) -> bool:
        weekday = (moment.weekday() + 1) % 7
        if self.any_day or self.any_weekday:  # cron's rule: either, when both are restricted
            return moment.day in self.days and weekday in self.weekdays
        return moment.day in self.days or weekday in self.weekdays

    def next_after(self, moment: datetime) -> datetime:
        """The first time strictly after `moment` (to the minute) that the schedule fires."""
        at = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = moment + _HORIZON
        while at < limit:
            if at.month not in self.months:
                at = (at.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(at):
                at = at.replace(hour=0, minute=0) + timedelta(days=1)
            elif at.hour not in self.hours:
                at = at.replace(minute=0) + timedelta(hours=1)
            elif at.minute not in self.minutes:
                at += timedelta(minutes=1)
            else:
                return at
        raise errors.BadRequest("This schedule never runs")


def _value(text: str, names: list[str], lowest: int) -> int:
    if text in names:
        return names.index(text) + lowest
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def _field(text: str, lowest: int, highest: int, names: list[str]) -> frozenset[int]:
    found: set[int] = set()
    for part in text.lower().split(","):
        match = _PART.match(part)
        if match is None:
            raise ValueError(part)
        star, start, end, step = match.groups()
        first = lowest if star else _value(start, names, lowest)
        last = highest if star or (step and not end) else first
        if end:
            last = _value(end, names, lowest)
        if not lowest <= first <= last <= highest or (step and int(step) == 0):
            raise ValueError(part)
        found.update(range(first, last + 1, int(step or 1)))
    return frozenset(found)


def cron_parse(schedule: object) -> Cron:
    """The schedule, or a 400 that says what is accepted."""
    text = _ALIASES.get(schedule, schedule) if isinstance(schedule, str) else None
    fields = text.split() if text else []
    try:
        if len(fields) != 5:
            raise ValueError(schedule)
        parsed = [_field(part, *spec) for part, spec in zip(fields, _FIELDS, strict=True)]
    except ValueError:
        raise errors.BadRequest(
            f"Schedule {schedule!r} is not a cron expression (5 fields, e.g. '0 9 * * 1') or "
            "one of " + ", ".join(_ALIASES)
        ) from None
    minutes, hours, days, months, weekdays = parsed
    return Cron(
        minutes, hours, days, months, frozenset(day % 7 for day in weekdays),
        any_day=fields[2] == "*", any_weekday=fields[4] == "*",
    )  # fmt: skip
