import pytest
from django.core.management import call_command

from deals.models import Deal, DealConflict, DealStatus, ExchangeRate, Lead, LeadStatus

pytestmark = pytest.mark.django_db


def test_demo_has_every_status_conflicts_leads_and_rates_and_a_rerun_adds_nothing():
    call_command("seed_demo", "--quiet")
    counts = (Deal.objects.count(), Lead.objects.count(), ExchangeRate.objects.count())

    assert set(Deal.objects.values_list("status", flat=True)) == set(DealStatus.values)
    assert DealConflict.objects.filter(match="domain").exists()
    assert DealConflict.objects.filter(match="name").exists()
    assert set(Lead.objects.values_list("status", flat=True)) >= {
        LeadStatus.NEW,
        LeadStatus.OFFERED,
        LeadStatus.ACCEPTED,
        LeadStatus.CONVERTED,
    }
    assert ExchangeRate.objects.filter(currency="EUR").exists()

    call_command("seed_demo", "--quiet")
    assert (Deal.objects.count(), Lead.objects.count(), ExchangeRate.objects.count()) == counts
