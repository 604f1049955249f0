"""Named fixtures every test starts from (Zulip's habit): two partner organizations and one user per role."""

import os

import pytest
from rest_framework.test import APIClient

from prm.accounts.roles import Role

from .factories import PartnerFactory, PartnerUserFactory, StaffFactory, TierFactory, UserFactory

STRICT = os.environ.get("PRM_STRICT") == "1"


def skip_or_fail(reason: str) -> None:
    """Locally a missing browser or broker skips its tests (and says so); in CI (PRM_STRICT=1) it fails."""
    if STRICT:
        pytest.fail(f"{reason} (PRM_STRICT=1: CI must run this test)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def gold_tier(db):
    return TierFactory(name="Gold", rank=3, deal_protection_days=120)


@pytest.fixture
def partner_a(db, gold_tier):
    return PartnerFactory(name="Alpha Networks", domain="alpha.example", tier=gold_tier)


@pytest.fixture
def partner_b(db):
    return PartnerFactory(name="Bravo Systems", domain="bravo.example", country="DE")


@pytest.fixture
def program_admin(db):
    return UserFactory(email="admin@vendor.example", role=Role.PROGRAM_ADMIN, is_superuser=True, is_staff=True)


@pytest.fixture
def manager(db):
    return StaffFactory(email="cam@vendor.example", role=Role.PARTNER_MANAGER)


@pytest.fixture
def finance(db):
    return StaffFactory(email="finance@vendor.example", role=Role.FINANCE)


@pytest.fixture
def partner_a_admin(partner_a):
    return PartnerUserFactory(partner=partner_a, role=Role.PARTNER_ADMIN, email="admin@alpha.example")


@pytest.fixture
def partner_a_rep(partner_a):
    return PartnerUserFactory(partner=partner_a, role=Role.PARTNER_REP, email="rep@alpha.example")


@pytest.fixture
def partner_b_admin(partner_b):
    return PartnerUserFactory(partner=partner_b, role=Role.PARTNER_ADMIN, email="admin@bravo.example")


@pytest.fixture
def partner_b_rep(partner_b):
    return PartnerUserFactory(partner=partner_b, role=Role.PARTNER_REP, email="rep@bravo.example")


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` authenticates it as that user."""
    client = APIClient()

    def as_user(user):
        client.force_authenticate(user=user)
        return client

    client.as_user = as_user
    return client


@pytest.fixture
def page_client(client):
    """Django's test client; `page_client.as_user(user)` signs in as that user (session, CSRF-exempt)."""

    def as_user(user):
        client.force_login(user)
        return client

    client.as_user = as_user
    return client
