"""Business-day SLAs (prm/sla.py): the day arithmetic and the badge that deals' approval queue and cases share."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from deals.selectors import SLA_BUSINESS_DAYS, sla_for
from prm.sla import add_business_days, business_days_between, sla_status

from ..deals.factories import DealFactory

MONDAY = date(2026, 3, 2)


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


class TestBusinessDays:
    def test_adding_skips_weekends_and_keeps_the_time(self):
        friday = _at(MONDAY + timedelta(days=4))
        assert add_business_days(friday, 1) == _at(MONDAY + timedelta(days=7))  # next Monday, 10:00
        assert add_business_days(friday, 5).date() == MONDAY + timedelta(days=11)  # next Friday
        saturday = friday + timedelta(days=1)
        assert add_business_days(saturday, 1).date() == MONDAY + timedelta(days=7)

    def test_counting_between_two_days(self):
        friday = MONDAY + timedelta(days=4)
        assert business_days_between(friday, friday + timedelta(days=7)) == 5
        assert business_days_between(friday, friday + timedelta(days=1)) == 0  # Saturday
        assert business_days_between(friday, friday + timedelta(days=3)) == 1  # Monday
        assert business_days_between(friday, friday) == 0
        assert business_days_between(friday, MONDAY) == 0


class TestBadge:
    def test_a_moment_due_counts_the_business_days_left_and_late(self):
        due = _at(MONDAY + timedelta(days=2), hour=14)  # Wednesday 14:00
        assert sla_status(due, now=_at(MONDAY))["label"] == "2 business days left"
        assert sla_status(due, now=_at(MONDAY + timedelta(days=1)))["label"] == "1 business day left"
        assert sla_status(due, now=_at(MONDAY + timedelta(days=2)))["state"] == "due"
        assert sla_status(due, now=_at(MONDAY + timedelta(days=2), hour=15)) == {
            "state": "overdue",
            "label": "Overdue",
            "overdue": True,
        }
        assert sla_status(due, now=_at(MONDAY + timedelta(days=7)))["label"] == "Overdue · 3 business days"

    def test_a_day_due_runs_until_the_end_of_that_day(self):
        wednesday = MONDAY + timedelta(days=2)
        assert sla_status(wednesday, now=_at(wednesday, hour=23))["label"] == "Due today"
        assert sla_status(wednesday, now=_at(wednesday + timedelta(days=1)))["label"] == "Overdue · 1 business day"

    def test_a_finished_item_shows_its_done_label(self):
        assert sla_status(_at(MONDAY), now=_at(MONDAY + timedelta(days=9)), done="Resolved") == {
            "state": "done",
            "label": "Resolved",
            "overdue": False,
        }


@pytest.mark.django_db
class TestDealApprovalBadge:
    def test_one_day_left_is_singular(self):
        """Regression: the approval queue said "1 business days left" on the day before the last one."""
        deal = DealFactory(created_at=_at(MONDAY))
        assert SLA_BUSINESS_DAYS == 2
        assert sla_for(deal, now=_at(MONDAY + timedelta(days=1)))["label"] == "1 business day left"

    def test_due_on_the_last_day_and_overdue_by_the_days_late_not_the_age(self):
        deal = DealFactory(created_at=_at(MONDAY))
        assert sla_for(deal, now=_at(MONDAY + timedelta(days=2), hour=18))["label"] == "Due today"
        thursday = sla_for(deal, now=_at(MONDAY + timedelta(days=3)))
        assert (thursday["state"], thursday["label"]) == ("overdue", "Overdue · 1 business day")

    def test_a_registration_over_a_weekend_starts_counting_on_monday(self):
        deal = DealFactory(created_at=_at(MONDAY - timedelta(days=2)))  # Saturday
        assert sla_for(deal, now=_at(MONDAY))["label"] == "1 business day left"

    def test_a_decided_deal_is_done(self):
        deal = DealFactory(created_at=_at(MONDAY), approved=True)
        assert sla_for(deal, now=_at(MONDAY + timedelta(days=30)))["state"] == "done"
