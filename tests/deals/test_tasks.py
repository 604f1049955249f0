from datetime import timedelta

import pytest
from django.utils import timezone

from deals.models import DealStatus, LeadStatus
from deals.tasks import deals_expire_lapsed_task, deals_warn_expiring_task, leads_return_unanswered_task
from prm.settings.base import CELERY_BEAT_SCHEDULE

from .factories import DealFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_the_jobs_are_on_the_beat_schedule():
    tasks = {entry["task"] for entry in CELERY_BEAT_SCHEDULE.values()}
    assert {"deals.expire_lapsed", "deals.warn_expiring", "deals.leads_return_unanswered"} <= tasks


def test_expiry_task_is_idempotent(partner_a):
    deal = DealFactory(partner=partner_a, approved=True, protected_until=timezone.localdate() - timedelta(days=2))
    assert deals_expire_lapsed_task.delay().get() == 1
    assert deals_expire_lapsed_task.delay().get() == 0
    deal.refresh_from_db()
    assert deal.status == DealStatus.EXPIRED


def test_warning_task(partner_a, partner_a_admin):
    DealFactory(partner=partner_a, approved=True, protected_until=timezone.localdate() + timedelta(days=3))
    assert deals_warn_expiring_task.delay().get() == 1
    assert deals_warn_expiring_task.delay().get() == 0


def test_lapsed_offers_return_to_the_pool(partner_a):
    lead = LeadFactory(offer=partner_a, respond_by=timezone.now() - timedelta(minutes=1))
    assert leads_return_unanswered_task.delay().get() == 1
    lead.refresh_from_db()
    assert (lead.status, lead.partner) == (LeadStatus.NEW, None)
