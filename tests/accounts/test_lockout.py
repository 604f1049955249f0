"""Per-account lockout (django-axes): after the failure limit the account is refused, even with the right
password and from any address, until the cool-off has passed."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.db.models import F
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from ..factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = reverse("api-token")
LOGIN = reverse("login")
LIMIT = 3
COOL_OFF = timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _token(username: str, password: str, address: str):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=address)


def _page(client, username: str, password: str, address: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _let_cool_off_pass():
    """Every recorded failure moves back past the cool-off, as if the account had waited it out."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - COOL_OFF - timedelta(seconds=1))


@override_settings(AXES_FAILURE_LIMIT=LIMIT, AXES_COOLOFF_TIME=COOL_OFF)
def test_the_token_endpoint_refuses_the_right_password_after_the_limit_until_the_cool_off(partner_a_rep):
    wrong = [_token(partner_a_rep.email, "guess", f"198.51.100.{n}").status_code for n in range(LIMIT)]
    locked = _token(partner_a_rep.email, TEST_PASSWORD, "203.0.113.99")

    assert wrong[:-1] == [400] * (LIMIT - 1)
    assert wrong[-1] == 429  # the failure that reaches the limit already answers "locked"
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this account" in locked.json()["detail"]
    assert "token" not in locked.json()

    _let_cool_off_pass()
    assert _token(partner_a_rep.email, TEST_PASSWORD, "203.0.113.99").status_code == 200


@override_settings(AXES_FAILURE_LIMIT=LIMIT, AXES_COOLOFF_TIME=COOL_OFF)
def test_the_sign_in_page_refuses_the_right_password_after_the_limit_until_the_cool_off(partner_a_rep, client):
    for n in range(LIMIT):
        _page(client, partner_a_rep.email, "guess", f"198.51.100.{n}")

    locked = _page(client, partner_a_rep.email, TEST_PASSWORD, "203.0.113.99")
    assert locked.status_code == 429
    assert b"Too many failed sign-ins for this account" in locked.content
    assert "_auth_user_id" not in client.session

    _let_cool_off_pass()
    signed_in = _page(client, partner_a_rep.email, TEST_PASSWORD, "203.0.113.99")
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(partner_a_rep.pk)


@override_settings(AXES_FAILURE_LIMIT=LIMIT, AXES_COOLOFF_TIME=COOL_OFF)
def test_the_lock_is_per_account_and_counts_both_paths_and_any_spelling(partner_a_rep, partner_a_admin, client):
    _token(partner_a_rep.email.upper(), "guess", "198.51.100.1")
    _page(client, partner_a_rep.email, "guess", "198.51.100.2")
    _token(partner_a_rep.email, "guess", "198.51.100.3")

    assert _token(partner_a_rep.email, TEST_PASSWORD, "198.51.100.4").status_code == 429
    assert _token(partner_a_admin.email, TEST_PASSWORD, "198.51.100.4").status_code == 200


@override_settings(AXES_FAILURE_LIMIT=LIMIT, AXES_COOLOFF_TIME=COOL_OFF)
def test_refused_attempts_during_the_lock_do_not_extend_it(partner_a_rep):
    for n in range(LIMIT):
        _token(partner_a_rep.email, "guess", f"198.51.100.{n}")
    for _ in range(5):
        _token(partner_a_rep.email, "guess", "198.51.100.9")

    _let_cool_off_pass()
    assert _token(partner_a_rep.email, TEST_PASSWORD, "198.51.100.9").status_code == 200
