"""Accruals landing at the same moment never take a program past its budget cap: the program's row is locked
while a line is made, and a CHECK constraint holds the cap whatever the code does. Needs PostgreSQL (concurrent
transactions); skipped elsewhere, a failure in CI (PRM_STRICT=1)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from deals.models import DealStatus
from incentives.accruals import accruals_sync_deal
from incentives.models import Accrual, IncentiveProgram

from ..deals.factories import DealFactory
from ..factories import PartnerFactory
from .factories import IncentiveProgramFactory


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
        DealFactory(partner=partner, status=DealStatus.WON, won_amount=Decimal("10000"), closed_on=program.starts_on)
        for _ in range(6)
    ]  # six lines of 1,000 against a cap of 2,500
    barrier = threading.Barrier(len(deals))
    errors: list[str] = []

    def accrue(deal_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            accruals_sync_deal(deal_id)
        except Exception as exc:  # anything raised is a bug the assertion shows
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accrue, args=(deal.pk,)) for deal in deals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
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
        DealFactory(partner=partner, status=DealStatus.WON, won_amount=Decimal("10000"), closed_on=program.starts_on)
        for _ in range(40)
    ]  # forty lines of 1,000 against a cap of 25,000
    barrier = threading.Barrier(5)
    errors: list[str] = []

    def run(work) -> None:
        try:
            barrier.wait(timeout=10)
            work()
        except Exception as exc:  # anything raised is a bug the assertion shows
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    jobs = [lambda: program_recompute(IncentiveProgram.objects.get(pk=program.pk))] * 2 + [
        lambda deals=deals[i::3]: [accruals_sync_deal(deal.pk) for deal in deals] for i in range(3)
    ]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    lines = list(Accrual.objects.filter(program=program))
    assert sorted(line.deal_id for line in lines) == sorted(deal.pk for deal in deals)  # each deal exactly once
    assert sum(line.amount for line in lines) == Decimal("25000.00")
    assert sum(line.capped_amount for line in lines) == Decimal("15000.00")
    program.refresh_from_db()
    assert program.committed == program.budget_cap
