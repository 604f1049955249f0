"""The conflict check tells a partner that another registration exists, why it matched and what happens next —
not which competitor holds the customer, unless the program discloses it. Staff always see both sides. The
check is limited per user, and the register page's preview shares the limit. On PostgreSQL, the most similar
name comes first and names that only share words are not the same customer."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from deals.conflicts import find_conflicts
from deals.management.commands.seed_bench import WORDS_B
from tests.conftest import skip_or_fail

from .factories import DealFactory

pytestmark = pytest.mark.django_db

CHECK = "/api/v1/deals/check-conflicts/"
QUERY = {"customer_name": "Initech Ltd", "customer_domain": "initech.example"}


def _in_30_days() -> str:
    return (timezone.localdate() + timedelta(days=30)).isoformat()


@pytest.fixture
def rival_deal(partner_b):
    return DealFactory(partner=partner_b, customer_name="Initech", customer_domain="initech.example", amount=987654)


@pytest.fixture
def fresh_limits():
    """Throttle counters live in the cache, which outlives a test; each throttle test starts from zero."""
    cache.clear()
    yield
    cache.clear()


class TestDisclosure:
    def test_a_partner_learns_that_a_registration_exists_but_not_whose(self, api, partner_a_rep, rival_deal):
        response = api.as_user(partner_a_rep).post(CHECK, QUERY)

        assert response.status_code == 200
        assert response.json() == [
            {"deal": None, "partner": None, "customer_name": "Initech", "status": "submitted", "match": "domain"}
        ]
        assert "Bravo Systems" not in response.content.decode()

    def test_a_program_that_discloses_conflicts_names_the_partner_and_deal(
        self, settings, api, partner_a_rep, rival_deal
    ):
        settings.PRM_DISCLOSE_CONFLICTS = True

        response = api.as_user(partner_a_rep).post(CHECK, QUERY)

        assert [(c["deal"], c["partner"], c["match"]) for c in response.json()] == [
            (rival_deal.pk, "Bravo Systems", "domain")
        ]

    @pytest.mark.parametrize("disclose", [False, True])
    def test_staff_always_see_both_sides(self, settings, api, manager, rival_deal, disclose):
        settings.PRM_DISCLOSE_CONFLICTS = disclose

        response = api.as_user(manager).post(CHECK, QUERY)

        assert [(c["deal"], c["partner"]) for c in response.json()] == [(rival_deal.pk, "Bravo Systems")]

    def test_registering_answers_with_the_same_rule(self, settings, api, partner_a_rep, rival_deal):
        body = {**QUERY, "amount": "1000.00", "currency": "EUR", "expected_close_date": _in_30_days()}
        registered = api.as_user(partner_a_rep).post("/api/v1/deals/", body).json()
        hidden = registered["conflicts"]
        settings.PRM_DISCLOSE_CONFLICTS = True
        shown = api.as_user(partner_a_rep).get(f"/api/v1/deals/{registered['id']}/").json()["conflicts"]

        assert [(c["deal"], c["partner"], c["match"]) for c in hidden] == [(None, None, "domain")]
        assert [(c["deal"], c["partner"]) for c in shown] == [(rival_deal.pk, "Bravo Systems")]

    def test_the_register_page_preview_hides_the_partner_unless_disclosed(
        self, settings, page_client, partner_a_rep, rival_deal
    ):
        client = page_client.as_user(partner_a_rep)
        url = reverse("portal:deal-conflicts")

        hidden = client.get(url, QUERY, HTTP_HX_REQUEST="true").content.decode()
        settings.PRM_DISCLOSE_CONFLICTS = True
        shown = client.get(url, QUERY, HTTP_HX_REQUEST="true").content.decode()

        assert "Already registered by another partner" in hidden and "awaiting a decision" in hidden
        assert "Bravo Systems" not in hidden and "987" not in hidden
        assert "Bravo Systems" in shown and "987" not in shown

    def test_the_partner_deal_page_names_the_rival_only_if_disclosed(
        self, settings, page_client, partner_a_rep, rival_deal
    ):
        mine = DealFactory(partner=partner_a_rep.partner, customer_name="Initech", customer_domain="initech.example")
        mine.conflicts.create(other=rival_deal, match="domain")
        client = page_client.as_user(partner_a_rep)
        url = reverse("portal:deal-detail", args=[mine.pk])

        hidden = client.get(url).content.decode()
        settings.PRM_DISCLOSE_CONFLICTS = True
        shown = client.get(url).content.decode()

        assert "Another partner" in hidden and "Bravo Systems" not in hidden
        assert "Bravo Systems" in shown


class TestThrottle:
    def test_the_api_check_is_limited_per_user(self, settings, fresh_limits, api, partner_a_rep, partner_b_rep):
        settings.PRM_THROTTLE_RATES = {**settings.PRM_THROTTLE_RATES, "conflict_check": "3/min"}
        client = api.as_user(partner_a_rep)

        answers = [client.post(CHECK, QUERY).status_code for _ in range(4)]
        other_user = api.as_user(partner_b_rep).post(CHECK, QUERY)

        assert answers == [200, 200, 200, 429]
        assert other_user.status_code == 200  # the limit is each user's own

    def test_the_page_preview_shares_the_api_limit(self, settings, fresh_limits, api, page_client, partner_a_rep):
        settings.PRM_THROTTLE_RATES = {**settings.PRM_THROTTLE_RATES, "conflict_check": "2/min"}
        url = reverse("portal:deal-conflicts")
        api.as_user(partner_a_rep).post(CHECK, QUERY)
        client = page_client.as_user(partner_a_rep)

        allowed = client.get(url, QUERY, HTTP_HX_REQUEST="true")
        refused = client.get(url, QUERY)
        refused_htmx = client.get(url, QUERY, HTTP_HX_REQUEST="true")

        assert allowed.status_code == 200
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        # htmx swaps only 2xx answers: the preview says why it stopped instead of keeping a stale answer
        assert refused_htmx.status_code == 200 and "Too many checks" in refused_htmx.content.decode()
        assert "No other partner" not in refused_htmx.content.decode()
        assert api.as_user(partner_a_rep).post(CHECK, QUERY).status_code == 429


class TestNameMatch:
    """PostgreSQL's trigram match (deals/conflicts.py); SQLite's difflib fallback is covered in test_services."""

    @pytest.fixture
    def postgres_only(self, db):
        if connection.vendor != "postgresql":
            skip_or_fail("the trigram name match needs PostgreSQL (set DATABASE_URL=postgres://...)")

    def test_the_same_name_comes_first_and_names_sharing_two_words_are_not_the_same_customer(
        self, postgres_only, partner_a, partner_b
    ):
        # registered first: a LIMIT without an order used to keep these and drop the twin
        for word in [w for w in WORDS_B if w != "cloud"][:30]:
            DealFactory(partner=partner_b, customer_name=f"Alpha Apex {word.title()}", customer_domain="")
        twin = DealFactory(partner=partner_b, customer_name="Alpha Apex Cloud", customer_domain="")
        typo = DealFactory(partner=partner_b, customer_name="Alpha Apex Clowd Inc", customer_domain="")

        matches = find_conflicts(name="Alpha Apex Cloud Holdings", domain="", partner_id=partner_a.pk)

        assert [(m.deal, m.match) for m in matches] == [(twin, "name"), (typo, "name")]
