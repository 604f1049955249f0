"""Idempotency-Key: a failure of ours never keeps a key "in progress", an abandoned reservation expires, and a
key reused for another request is refused (422) instead of answered with the first request's response."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from partners import services as partner_services
from partners.models import Partner, Tier
from prm.accounts.models import IdempotencyRecord
from prm.api.idempotency import IdempotentMixin

PARTNERS = reverse("partner-list")


def _payload(**overrides):
    return {"name": "Contoso Ltd", "domain": "contoso.com", "country": "FR", "partner_type": "msp", **overrides}


@pytest.fixture
def client_500(manager):
    """An API client that shows a server error as the 500 a real client gets (not a raised exception)."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user=manager)
    return client


def _fail_once(monkeypatch):
    real = partner_services.partner_create

    def failing(**kwargs):
        monkeypatch.setattr(partner_services, "partner_create", real)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(partner_services, "partner_create", failing)


def test_a_retry_after_a_server_error_is_processed_not_409(client_500, monkeypatch):
    _fail_once(monkeypatch)

    first = client_500.post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-500")
    retry = client_500.post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-500")

    assert first.status_code == 500
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert Partner.objects.count() == 1


def test_a_key_whose_answer_cannot_be_stored_is_released(client_500, monkeypatch):
    real_save = IdempotencyRecord.save

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields"):
            raise RuntimeError("cannot store the response")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(IdempotencyRecord, "save", save)

    first = client_500.post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-save")
    retry = client_500.post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-save")

    assert first.status_code == 201  # the partner was created; the client is told so
    assert retry.status_code == 400  # processed again (the domain is taken), not "still being processed"
    assert "domain" in retry.json()


def test_a_reservation_left_by_a_dead_process_expires(client_500, monkeypatch, settings):
    settings.PRM_IDEMPOTENCY_PENDING_SECONDS = 60
    _fail_once(monkeypatch)
    monkeypatch.setattr(IdempotentMixin, "_release_idempotency_key", lambda self: None)  # as if killed mid-request
    client_500.post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-dead")
    monkeypatch.undo()

    soon = client_500.post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-dead")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    later = client_500.post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-dead")

    assert soon.status_code == 409
    assert later.status_code == 201
    assert Partner.objects.count() == 1


def test_a_key_reused_with_another_body_is_refused_and_writes_nothing(api, manager):
    client = api.as_user(manager)
    client.post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-body")

    other = client.post(PARTNERS, _payload(domain="other.example"), format="json", HTTP_IDEMPOTENCY_KEY="k-body")

    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert not Partner.objects.filter(domain="other.example").exists()


def test_a_key_reused_on_another_endpoint_is_refused_not_replayed(api, program_admin):
    client = api.as_user(program_admin)
    client.post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-path")
    body = {"name": "Diamond", "rank": 7, "rebate_percent": "12.50", "deal_protection_days": 200}

    tier = client.post(reverse("tier-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-path")

    assert tier.status_code == 422
    assert "contoso.com" not in tier.content.decode()
    assert not Tier.objects.filter(name="Diamond").exists()


def test_the_same_request_with_other_spacing_and_key_order_is_replayed(api, manager):
    client = api.as_user(manager)
    first = client.post(PARTNERS, _payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-same")
    reordered = json.dumps(dict(reversed(list(_payload().items()))), indent=2)

    again = client.post(PARTNERS, reordered, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-same")

    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Partner.objects.count() == 1
