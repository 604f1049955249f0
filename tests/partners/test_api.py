import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from partners.models import Partner
from prm.events.models import OutboxEvent

from ..factories import PartnerFactory, TierFactory

pytestmark = pytest.mark.django_db

PARTNERS = reverse("partner-list")


def _payload(**overrides):
    return {"name": "Contoso Ltd", "domain": "contoso.com", "country": "FR", "partner_type": "msp", **overrides}


def test_a_manager_creates_a_partner(api, manager, gold_tier):
    response = api.as_user(manager).post(PARTNERS, _payload(tier=gold_tier.pk, manager=manager.pk), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["domain"] == "contoso.com"
    assert body["status"] == "onboarding"
    assert (body["tier"], body["tier_name"], body["manager_email"]) == (gold_tier.pk, "Gold", manager.email)


@pytest.mark.parametrize(
    "payload,field,message_part",
    [
        (_payload(name=""), "name", "may not be blank"),
        (_payload(name="x" * 201), "name", "no more than 200"),
        (_payload(country="XX"), "country", "not a valid choice"),
        (_payload(country="Atlantis"), "country", "not a valid choice"),
        (_payload(partner_type="wholesaler"), "partner_type", "not a valid choice"),
        (_payload(domain="not a domain"), "domain", "not a valid domain"),
        (_payload(tier="abc"), "tier", "Incorrect type"),
        (_payload(tier=99999), "tier", "does not exist"),
        (_payload(website="ftp//nope"), "website", "valid URL"),
        ({"name": "Only a name"}, "domain", "required"),
    ],
)
def test_bad_input_is_a_400_per_field_and_saves_nothing(api, manager, payload, field, message_part):
    response = api.as_user(manager).post(PARTNERS, payload, format="json")

    assert response.status_code == 400
    assert message_part in " ".join(response.json()[field])
    assert Partner.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


def test_a_duplicate_domain_is_a_400_on_domain(api, manager, partner_a):
    response = api.as_user(manager).post(PARTNERS, _payload(domain="WWW.ALPHA.EXAMPLE"), format="json")

    assert response.status_code == 400
    assert response.json() == {"domain": ["A partner with this domain already exists."]}


def test_malformed_json_is_a_400(api, manager):
    response = api.as_user(manager).generic("POST", PARTNERS, '{"name": "x",', content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_partner_users_cannot_create_or_change_partners(api, partner_a_admin, partner_a):
    client = api.as_user(partner_a_admin)

    assert client.post(PARTNERS, _payload(), format="json").status_code == 403
    assert (
        client.patch(reverse("partner-detail", args=[partner_a.pk]), {"name": "Mine"}, format="json").status_code == 403
    )
    partner_a.refresh_from_db()
    assert partner_a.name == "Alpha Networks"


def test_a_partner_user_lists_only_its_own_organization(api, partner_a_rep, partner_a, partner_b):
    body = api.as_user(partner_a_rep).get(PARTNERS).json()

    assert body["count"] == 1
    assert [row["name"] for row in body["results"]] == ["Alpha Networks"]


def test_filters_and_search(api, manager, partner_a, partner_b):
    silver = TierFactory(name="Silver", rank=2)
    PartnerFactory(
        name="Charlie MSP", domain="charlie.example", partner_type="msp", country="FR", tier=silver, status="suspended"
    )
    client = api.as_user(manager)

    def names(**params):
        return sorted(row["name"] for row in client.get(PARTNERS, params).json()["results"])

    assert names(status="suspended") == ["Charlie MSP"]
    assert names(tier=silver.pk) == ["Charlie MSP"]
    assert names(partner_type="msp") == ["Charlie MSP"]
    assert names(country="DE") == ["Bravo Systems"]
    assert names(search="alpha") == ["Alpha Networks"]
    assert names(search="bravo.example") == ["Bravo Systems"]
    assert names(ordering="-name") == ["Alpha Networks", "Bravo Systems", "Charlie MSP"]
    assert client.get(PARTNERS, {"status": "sleeping"}).status_code == 400


def test_the_list_query_count_does_not_grow_with_the_page(api, manager, django_assert_num_queries):
    gold = TierFactory(name="Gold+", rank=9)
    PartnerFactory.create_batch(30, tier=gold, manager=manager)
    client = api.as_user(manager)

    # count, page, plus the throttle-free session-less force_authenticate: a constant, whatever the size
    with django_assert_num_queries(2):
        small = client.get(PARTNERS, {"page_size": 5})
    with django_assert_num_queries(2):
        large = client.get(PARTNERS, {"page_size": 30})
    assert len(small.json()["results"]) == 5
    assert len(large.json()["results"]) == 30
    assert large.json()["count"] == 30


def test_pagination_has_count_next_previous(api, manager):
    PartnerFactory.create_batch(7)
    body = api.as_user(manager).get(PARTNERS, {"page_size": 3, "page": 2}).json()

    assert body["count"] == 7
    assert "page=3" in body["next"]
    assert body["previous"] is not None
    assert len(body["results"]) == 3


def test_history_shows_who_changed_what(api, manager, partner_a):
    client = api.as_user(manager)
    client.patch(reverse("partner-detail", args=[partner_a.pk]), {"status": "suspended"}, format="json")

    history = client.get(reverse("partner-history", args=[partner_a.pk])).json()

    latest = history[0]
    assert latest["action"] == "updated"
    assert latest["actor"] == manager.email
    assert latest["changes"]["status"] == {"before": "active", "after": "suspended"}


def test_a_repeated_idempotency_key_returns_the_first_result_and_writes_once(api, manager):
    client = api.as_user(manager)
    first = client.post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-123")
    again = client.post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-123")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Partner.objects.count() == 1
    assert LogEntry.objects.filter(action=LogEntry.Action.CREATE, content_type__model="partner").count() == 1


def test_an_idempotency_key_belongs_to_its_user(api, manager, program_admin):
    api.as_user(manager).post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    other = api.as_user(program_admin).post(
        PARTNERS, _payload(domain="other.example"), format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert other.status_code == 201
    assert Partner.objects.count() == 2


def test_tiers_are_readable_by_partners_and_written_by_the_program_admin_only(
    api, partner_a_rep, manager, program_admin
):
    tiers = reverse("tier-list")
    body = {"name": "Diamond", "rank": 7, "rebate_percent": "12.50", "deal_protection_days": 200}

    assert api.as_user(partner_a_rep).get(tiers).status_code == 200
    assert api.as_user(manager).post(tiers, body, format="json").status_code == 403
    created = api.as_user(program_admin).post(tiers, body, format="json")
    assert created.status_code == 201
    assert created.json()["rebate_percent"] == "12.50"
    bad = api.as_user(program_admin).post(
        tiers, {**body, "name": "X", "rank": 8, "rebate_percent": "120"}, format="json"
    )
    assert bad.status_code == 400 and "rebate_percent" in bad.json()


def test_agreements_for_a_partner_the_caller_cannot_see_are_refused(api, manager, partner_a_admin, partner_b):
    url = reverse("agreement-list")
    body = {
        "partner": partner_b.pk,
        "kind": "nda",
        "title": "NDA",
        "starts_on": "2026-01-01",
        "expires_on": "2025-01-01",
    }

    bad_dates = api.as_user(manager).post(url, body, format="json")
    assert bad_dates.status_code == 400 and "expires_on" in bad_dates.json()

    body["expires_on"] = "2027-01-01"
    assert api.as_user(manager).post(url, body, format="json").status_code == 201
    # a partner user cannot even name another organization (and may not manage agreements at all)
    assert api.as_user(partner_a_admin).post(url, body, format="json").status_code == 403
