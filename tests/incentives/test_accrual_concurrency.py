"""Accruals landing at the same moment never take a program past its budget cap: the program's row is locked
while a line is made, and a CHECK constraint holds the cap whatever the code does. Needs PostgreSQL (concurrent
transactions); skipped elsewhere, a failure in CI (PRM_STRICT=1)."""

from decimal import Decimal

import pytest
from django.db import connection

from incentives.accruals import accruals_sync_deal
from incentives.models import Accrual, IncentiveProgram

from ..factories import PartnerFactory
from ..races import at_once
from .factories import IncentiveProgramFactory, won_deal


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        from tests.conftest import skip_or_fail

        skip_or_fail("the budget-cap race needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.mark.django_db(transaction=True)
def test_six_deals_accrued_at_once_never_pass_the_cap(postgres_only):
    program = IncentiveProgramFactory(rate_percent=Decimal("10"), budget_cap=Decimal("2500.00"))
    partner = PartnerFactory()
    deals = [
        won_deal(partner, "10000", closed_on=program.starts_on) for _ in range(6)
    ]  # six lines of 1,000 against a cap of 2,500
    outcomes = at_once(*[lambda deal_id=deal.pk: accruals_sync_deal(deal_id) for deal in deals])

    assert outcomes == ["ok"] * len(deals)
    lines = list(Accrual.objects.filter(program=program).order_by("amount"))
    assert len(lines) == 6  # every deal has its line, what the cap refused written on it
    assert sum(line.amount for line in lines) == Decimal("2500.00")
    assert sum(line.amount + line.capped_amount for line in lines) == Decimal("6000.00")
    assert sorted(line.amount for line in lines if line.amount) == [Decimal("500.00")] + [Decimal("1000.00")] * 2
    program.refresh_from_db()
    assert program.committed == program.budget_cap
    assert IncentiveProgram.objects.filter(pk=program.pk, committed__lte=program.budget_cap).exists()


@pytest.mark.django_db(transaction=True)
def test_a_recomputation_and_won_deals_at_the_same_moment_pay_each_deal_once_within_the_cap(postgres_only):
    """The set-based recomputation and the per-deal events take the same lock: whichever comes second sees the
    other's lines, so no deal gets two, and the cap holds across both."""
    from incentives.accruals import program_recompute

    program = IncentiveProgramFactory(rate_percent=Decimal("10"), budget_cap=Decimal("25000.00"))
    partner = PartnerFactory()
    deals = [
        won_deal(partner, "10000", closed_on=program.starts_on) for _ in range(40)
    ]  # forty lines of 1,000 against a cap of 25,000
    jobs = [lambda: program_recompute(IncentiveProgram.objects.get(pk=program.pk))] * 2 + [
        lambda deals=deals[i::3]: [accruals_sync_deal(deal.pk) for deal in deals] for i in range(3)
    ]
    outcomes = at_once(*jobs, timeout=120)

    assert outcomes == ["ok"] * len(jobs)
    lines = list(Accrual.objects.filter(program=program))
    assert sorted(line.deal_id for line in lines) == sorted(deal.pk for deal in deals)  # each deal exactly once
    assert sum(line.amount for line in lines) == Decimal("25000.00")
    assert sum(line.capped_amount for line in lines) == Decimal("15000.00")
    program.refresh_from_db()
    assert program.committed == program.budget_cap
