"""Two managers approve, at the same moment, two MDF requests that together exceed the fund: exactly one is
approved, the other is a 409 naming what is left, and the fund's approved total never passes its amount. Needs
PostgreSQL (concurrent transactions and row locks); skipped elsewhere, a failure in CI (PRM_STRICT=1)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from incentives import mdf
from incentives.models import MdfFund, MdfRequest
from prm.errors import Conflict

from ..factories import PartnerFactory
from .factories import MdfFundFactory, MdfRequestFactory


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        from tests.conftest import skip_or_fail

        skip_or_fail("the MDF approval race needs PostgreSQL (set DATABASE_URL=postgres://...)")


def race(actors, requests) -> list[str]:
    barrier = threading.Barrier(len(requests))
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(actor, request):
        try:
            barrier.wait(timeout=10)
            mdf.mdf_request_approve(actor=actor, request=request)
            result = "approved"
        except Conflict as exc:
            result = f"409 {exc.message}"
        except Exception as exc:  # anything else is a bug the assertion shows
            result = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve, args=pair) for pair in zip(actors, requests, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_past_the_fund_let_exactly_one_through(postgres_only, manager, program_admin):
    fund = MdfFundFactory(partner=PartnerFactory(), amount=Decimal("10000.00"))
    requests = [
        MdfRequestFactory(fund=fund, planned_cost=Decimal("6000.00")),
        MdfRequestFactory(fund=fund, planned_cost=Decimal("6000.00")),
    ]
    outcomes = race([manager, program_admin], requests)
    assert outcomes[0] == "409 Only 4,000.00 USD is left in this fund; this request needs 6,000.00 USD."
    assert outcomes[1] == "approved"
    fund.refresh_from_db()
    assert fund.approved_total == Decimal("6000.00") <= fund.amount
    assert sorted(MdfRequest.objects.values_list("status", flat=True)) == ["approved", "submitted"]


@pytest.mark.django_db(transaction=True)
def test_many_racing_approvals_never_overspend(postgres_only, manager):
    fund = MdfFundFactory(partner=PartnerFactory(), amount=Decimal("10000.00"))
    requests = [MdfRequestFactory(fund=fund, planned_cost=Decimal("3000.00")) for _ in range(6)]
    outcomes = race([manager] * len(requests), requests)
    assert outcomes.count("approved") == 3
    assert all(o.startswith("409 Only 1,000.00 USD is left") for o in outcomes if o != "approved"), outcomes
    fund = MdfFund.objects.get(pk=fund.pk)
    assert fund.approved_total == Decimal("9000.00")
