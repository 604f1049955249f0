"""Two (or eight) managers approving competing registrations of one customer at the same moment: exactly one
wins. Needs PostgreSQL (real row locks and concurrent transactions); skipped elsewhere, a failure in CI."""

import threading

import pytest
from django.db import connection, connections

from deals import services
from deals.models import Deal, DealStatus
from prm.errors import Conflict

from ..factories import PartnerFactory
from .factories import DealFactory

RACERS = 8


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        from tests.conftest import skip_or_fail

        skip_or_fail("the approval race needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.mark.django_db(transaction=True)
def test_racing_approvals_of_one_customer_let_exactly_one_through(postgres_only, manager):
    deals = [
        DealFactory(partner=PartnerFactory(), customer_name="Globex", customer_domain="globex.example")
        for _ in range(RACERS)
    ]
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(deal):
        try:
            barrier.wait(timeout=10)
            services.deal_approve(actor=manager, deal=deal)
            result = "approved"
        except Conflict:
            result = "conflict"
        except Exception as exc:  # anything else is a bug the assertion below shows
            result = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve, args=(d,)) for d in deals]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["approved"] + ["conflict"] * (RACERS - 1)
    assert Deal.objects.filter(customer=deals[0].customer, status=DealStatus.APPROVED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_without_the_row_lock_the_database_index_still_refuses_the_second(postgres_only, manager):
    """Even a writer that skips the service's lock cannot make two approved registrations."""
    a = DealFactory(partner=PartnerFactory(), customer_domain="initech.example")
    b = DealFactory(partner=PartnerFactory(), customer_domain="initech.example")
    barrier = threading.Barrier(2)
    outcomes = []

    def raw_approve(deal):
        from django.db import IntegrityError, transaction

        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                Deal.objects.filter(pk=deal.pk).update(status=DealStatus.APPROVED)
            outcomes.append("approved")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=raw_approve, args=(d,)) for d in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["approved", "refused"]
