"""Limits key on the address the deployment's trusted proxy count says is real, never on a header a client
chooses (issue 8: 40 wrong passwords with a made-up X-Forwarded-For each were never throttled)."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from prm.api import throttling
from prm.net import client_ip

pytestmark = pytest.mark.django_db

TOKEN = reverse("api-token")
LOGIN = reverse("login")
RESET = reverse("password_reset")
RATES = {"anon": "1000/min", "user": "1000/min", "login": "5/min", "apply": "5/min"}
# The lockout is tested in test_lockout.py; here it must not answer first.
NO_LOCKOUT = {"AXES_FAILURE_LIMIT": 1000}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles count in the (locmem) cache: each test starts and ends with a clean slate."""
    cache.clear()
    yield
    cache.clear()


def _forged(n: int) -> str:
    return f"198.51.100.{n}"


@override_settings(PRM_THROTTLE_RATES=RATES, **NO_LOCKOUT)
def test_forty_wrong_passwords_with_made_up_forwarded_for_are_throttled_on_the_token_endpoint(partner_a_rep):
    api = APIClient()
    statuses = [
        api.post(
            TOKEN,
            {"username": partner_a_rep.email, "password": "guess"},
            format="json",
            HTTP_X_FORWARDED_FOR=_forged(n),
        ).status_code
        for n in range(40)
    ]
    assert statuses == [400] * 5 + [429] * 35


@override_settings(PRM_THROTTLE_RATES=RATES, **NO_LOCKOUT)
def test_forty_wrong_passwords_with_made_up_forwarded_for_are_throttled_on_the_sign_in_page(partner_a_rep, client):
    statuses = [
        client.post(
            LOGIN, {"username": partner_a_rep.email, "password": "guess"}, HTTP_X_FORWARDED_FOR=_forged(n)
        ).status_code
        for n in range(40)
    ]
    assert statuses == [200] * 5 + [429] * 35


@override_settings(PRM_THROTTLE_RATES=RATES, PRM_TRUSTED_PROXY_COUNT=1, **NO_LOCKOUT)
def test_behind_one_proxy_the_address_it_forwards_is_the_client(partner_a_rep):
    """The proxy appends the address it saw; what the client wrote before it is ignored."""
    api = APIClient()

    def attempt(real: str, n: int) -> int:
        forwarded = f"{_forged(n)}, {real}"
        body = {"username": partner_a_rep.email, "password": "guess"}
        return api.post(TOKEN, body, format="json", HTTP_X_FORWARDED_FOR=forwarded).status_code

    first_client = [attempt("203.0.113.7", n) for n in range(6)]
    second_client = attempt("203.0.113.8", 99)

    assert first_client == [400] * 5 + [429]
    assert second_client == 400


@pytest.mark.parametrize(
    "throttle_class",
    [
        throttling.AnonThrottle,
        throttling.UserThrottle,
        throttling.LoginThrottle,
        throttling.ApplyThrottle,
        throttling.PasswordResetThrottle,
    ],
)
def test_every_throttle_ignores_a_forwarded_for_header_without_a_trusted_proxy(throttle_class):
    from django.contrib.auth.models import AnonymousUser

    factory = RequestFactory()
    one = factory.post("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.0.0.1")
    other = factory.post("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.0.0.2")
    for request in (one, other):
        request.user = AnonymousUser()

    throttle = throttle_class()
    assert throttle.get_cache_key(one, None) == throttle.get_cache_key(other, None)
    assert "192.0.2.1" in throttle.get_cache_key(one, None)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "10.0.0.1", "192.0.2.1"),  # no proxy: the header is the client's own words
        (1, "10.0.0.1, 203.0.113.7", "203.0.113.7"),  # one proxy: the last entry is what it saw
        (2, "10.0.0.1, 203.0.113.7, 192.0.2.50", "203.0.113.7"),  # CDN then load balancer
        (2, "203.0.113.7", "192.0.2.1"),  # fewer entries than proxies: it bypassed them, trust only the socket
        (1, "not-an-address", "192.0.2.1"),
        (1, "", "192.0.2.1"),
    ],
)
def test_client_ip_counts_trusted_proxies_from_the_right(settings, proxies, forwarded, expected):
    settings.PRM_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_drf_num_proxies_agrees_with_the_trusted_proxy_count(settings):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.PRM_TRUSTED_PROXY_COUNT


def test_twenty_four_reset_requests_for_one_address_send_a_few_emails(partner_a_rep, client):
    statuses = [
        client.post(RESET, {"email": partner_a_rep.email}, HTTP_X_FORWARDED_FOR=_forged(n), REMOTE_ADDR=_forged(n))
        for n in range(24)
    ]

    assert {response.status_code for response in statuses} == {302}  # the answer never says what happened
    assert len(mail.outbox) == 3
    assert all(m.to == [partner_a_rep.email] for m in mail.outbox)


@override_settings(PRM_THROTTLE_RATES={**RATES, "password_reset": "5/min", "password_reset_email": "100/min"})
def test_reset_requests_from_one_address_are_throttled(db, client):
    statuses = [client.post(RESET, {"email": f"nobody{n}@example.com"}).status_code for n in range(7)]

    assert statuses == [302] * 5 + [429] * 2
    page = client.post(RESET, {"email": "one-more@example.com"})
    assert b"Too many reset requests" in page.content and page["Retry-After"]
