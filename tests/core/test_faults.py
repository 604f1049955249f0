"""Redis stopped under production-like settings: the cache, the throttles and the Celery broker point at a real
Redis (this test's own `redis-server` on port 6392), which is then stopped. Sign-in, the API and a write that
emits an event keep working; the event waits in the outbox for the beat sweep.

The outage test is marked `worker` (a real service, left out of the fast suite): `.ci/run` runs it; it needs
`redis-server`, which it starts and stops itself, never the shared Redis on 6379."""

import time

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse
from redis import Redis
from rest_framework.test import APIClient

from prm.cache import FailOpenRedisCache, cache_settings, cache_url_beside_broker
from prm.celery import app as celery_app
from prm.events.models import OutboxEvent
from prm.settings.base import PRM_THROTTLE_RATES as PRODUCTION_RATES

from ..deals.factories import deal_body
from ..factories import TEST_PASSWORD
from ..services import celery_broker, own_redis_server

PORT = 6392
BROKER = f"redis://127.0.0.1:{PORT}/0"
CACHE = f"redis://127.0.0.1:{PORT}/1"


@pytest.fixture
def production_like(tmp_path):
    """A throwaway Redis of the test's own; the production cache backend and throttle rates and the Celery broker
    on it, eager off. Yields the client to that Redis (`.stop()` stops it)."""
    FailOpenRedisCache.forget_outages()
    with (
        own_redis_server(tmp_path, PORT) as redis,
        celery_broker(BROKER),
        override_settings(
            CACHES={"default": cache_settings(CACHE, broker_url=BROKER)},
            PRM_THROTTLE_RATES=PRODUCTION_RATES,
            CELERY_TASK_ALWAYS_EAGER=False,
        ),
    ):
        yield redis
    FailOpenRedisCache.forget_outages()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_sign_in_the_api_and_writes_keep_working(production_like, partner_a_rep, client):
    redis = production_like
    assert f":{PORT}/0" in celery_app.connection_for_write().as_uri()  # the publish goes to the Redis we stop
    # Redis up: the throttles really use it (the login throttle's history lands in the cache database).
    wrong = {"username": partner_a_rep.email, "password": "not-the-password"}
    assert APIClient().post(reverse("api-token"), wrong, format="json").status_code == 400
    assert Redis(port=PORT, db=1).dbsize() > 0

    redis.stop()
    started = time.monotonic()

    signed_in = client.post(reverse("login"), {"username": partner_a_rep.email, "password": TEST_PASSWORD})
    assert signed_in.status_code == 302
    assert client.get(reverse("home"), follow=True).status_code == 200

    api = APIClient()
    token = api.post(reverse("api-token"), {"username": partner_a_rep.email, "password": TEST_PASSWORD}, format="json")
    assert token.status_code == 200, token.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")

    me = api.get(reverse("api-me"))
    assert me.status_code == 200
    assert me.json()["email"] == partner_a_rep.email

    registered = api.post("/api/v1/deals/", deal_body(description="Registered while Redis is down."), format="json")
    assert registered.status_code == 201, registered.content
    event = OutboxEvent.objects.get(name="deal.registered", aggregate_id=str(registered.json()["id"]))
    assert event.dispatched_at is None  # waiting for the beat sweep, not lost

    elapsed = time.monotonic() - started
    print(f"five requests with Redis stopped took {elapsed:.2f} s")  # noqa: T201 - the figure the README quotes


def test_a_redis_cache_on_the_brokers_database_is_refused():
    with pytest.raises(ImproperlyConfigured, match="another database number"):
        cache_settings("redis://127.0.0.1:6379/5", broker_url="redis://127.0.0.1:6379/5")


def test_production_puts_the_cache_beside_the_broker_not_on_its_database():
    assert cache_url_beside_broker("redis://redis:6379/0") == "redis://redis:6379/1"
    assert cache_settings(cache_url_beside_broker("redis://redis:6379/0"))["BACKEND"] == "prm.cache.FailOpenRedisCache"
    assert cache_url_beside_broker("") == "locmemcache://"


def test_sessions_do_not_live_in_redis():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_an_unreachable_redis_is_a_cache_that_forgets():
    """Nothing listens on the port: reads miss, writes are dropped, counters count from zero, and no error."""
    FailOpenRedisCache.forget_outages()
    cache = FailOpenRedisCache("redis://127.0.0.1:1/0", {})
    cache.set("k", "v")
    assert cache.get("k", "missing") == "missing"
    assert cache.get_many(["k"]) == {}
    assert cache.add("k", "v") is False
    assert cache.incr("hits") == 1
    assert cache.get_or_set("k", "fresh") == "fresh"
    assert FailOpenRedisCache.is_down("redis://127.0.0.1:1/0")
    FailOpenRedisCache.forget_outages()
