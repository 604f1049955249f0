"""Calendar days as instants: a date field counts days in the site's time zone (TIME_ZONE), a datetime column
holds instants, so "created on day D" is `start_of_day(D) <= created_at < start_of_day(D + 1)`."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def start_of_day(day: date) -> datetime:
    """The first instant of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def end_of_day(day: date) -> datetime:
    """The first instant after `day` (an exclusive bound: a row made on the day's last second is before it)."""
    return start_of_day(day + timedelta(days=1))
