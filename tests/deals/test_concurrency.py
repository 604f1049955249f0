"""Two (or eight) managers approving competing registrations of one customer at the same moment: exactly one
wins. The service-level races need PostgreSQL (real row locks and concurrent transactions); skipped elsewhere, a
failure in CI. The API race runs on both databases: on PostgreSQL in this process, on the embedded SQLite default
in a subprocess with a file database (an in-memory one cannot be shared by threads), and both give one 200 and
409s — never the 500 "database is locked" that SQLite gave before it was configured for concurrency."""

import json
import os
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from rest_framework.test import APIClient

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


@pytest.mark.django_db(transaction=True)
def test_a_reopening_racing_an_approval_of_the_same_customer_lets_exactly_one_through(postgres_only, manager):
    """Reopening a won deal takes the customer like an approval does: raced against the approval of another
    partner's registration of that customer, one of them is approved and the other is a 409."""
    won = DealFactory(
        partner=PartnerFactory(), customer_domain="hooli.example", approved=True, status=DealStatus.WON, won_amount=10
    )
    rival = DealFactory(partner=PartnerFactory(), customer_domain="hooli.example")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(action):
        try:
            barrier.wait(timeout=10)
            action()
            result = "approved"
        except Conflict:
            result = "conflict"
        except Exception as exc:  # anything else is a bug the assertion below shows
            result = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [
        threading.Thread(
            target=race, args=(lambda: services.deal_reopen(actor=manager, deal=won, reason="Cancelled"),)
        ),
        threading.Thread(target=race, args=(lambda: services.deal_approve(actor=manager, deal=rival),)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["approved", "conflict"]
    assert Deal.objects.filter(customer=won.customer, status=DealStatus.APPROVED).count() == 1


def approve_race(manager, racers: int = RACERS) -> list[tuple[int, str]]:
    """`racers` competing registrations of one customer, approved through the API by `racers` threads at the same
    moment (each its own client and database connection). Returns (status, error code) of each answer, sorted."""
    deals = [
        DealFactory(partner=PartnerFactory(), customer_name="Globex", customer_domain="globex.example")
        for _ in range(racers)
    ]
    barrier = threading.Barrier(racers)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def approve(deal):
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(user=manager)
        try:
            barrier.wait(timeout=10)
            response = client.post(f"/api/v1/deals/{deal.pk}/approve/")
            answer = (response.status_code, response.json().get("code", "") if response.status_code >= 400 else "")
        except Exception as exc:  # anything else is a bug the assertion shows
            answer = (0, f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=approve, args=(d,)) for d in deals]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(answers)


WON_ONCE = [(200, "")] + [(409, "customer_already_protected")] * (RACERS - 1)


@pytest.mark.django_db(transaction=True)
def test_racing_api_approvals_on_postgresql_give_one_200_and_409s(postgres_only, manager):
    assert approve_race(manager) == WON_ONCE


# Runs in a fresh interpreter on a SQLite file: migrate, make the manager, race, print the codes as JSON.
_SQLITE_RACE = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from prm.accounts.roles import Role
from tests.factories import StaffFactory
from tests.deals.test_concurrency import approve_race
from deals.models import Deal, DealStatus
answers = approve_race(StaffFactory(role=Role.PARTNER_MANAGER))
print(json.dumps({"answers": answers, "approved": Deal.objects.filter(status=DealStatus.APPROVED).count()}))
"""


def test_racing_api_approvals_on_the_embedded_sqlite_default_give_one_200_and_409s(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "prm.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", _SQLITE_RACE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    # 409s for the conflict itself: not one "database is busy" (the writers queued on the lock), not one 500.
    assert [tuple(a) for a in outcome["answers"]] == WON_ONCE, result.stderr[-3000:]
    assert outcome["approved"] == 1
