"""Redis stopped under production-like settings: the cache, the throttles and the Celery broker point at a real
Redis (this test's own `redis-server` on port 6392), which is then stopped. Sign-in, the API and a write that
emits an event keep working; the event waits in the outbox for the beat sweep.

The outage test is marked `worker` (a real service, left out of the fast suite): `.ci/run` runs it; it needs
`redis-server`, which it starts and stops itself, never the shared Redis on 6379."""

import contextlib
import shutil
import subprocess
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from redis import Redis
from rest_framework.test import APIClient

from prm.cache import FailOpenRedisCache, cache_settings, cache_url_beside_broker
from prm.celery import app as celery_app
from prm.events.models import OutboxEvent
from prm.settings.base import PRM_THROTTLE_RATES as PRODUCTION_RATES

from ..conftest import skip_or_fail
from ..factories import TEST_PASSWORD

PORT = 6392
BROKER = f"redis://127.0.0.1:{PORT}/0"
CACHE = f"redis://127.0.0.1:{PORT}/1"


@pytest.fixture
def own_redis(tmp_path):
    """A throwaway redis-server on its own port; the shared Redis on 6379 is never touched."""
    if shutil.which("redis-server") is None:
        skip_or_fail("the Redis outage test needs redis-server")
    pidfile = tmp_path / "redis.pid"
    subprocess.run(
        ["redis-server", "--port", str(PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--daemonize", "yes", "--pidfile", str(pidfile), "--dir", str(tmp_path)],
        check=True,
        timeout=10,
    )
    client = Redis(port=PORT, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)

    def stop():
        # The connection drops as the server exits: that is the point.
        with contextlib.suppress(Exception):
            client.shutdown(nosave=True)
        deadline = time.monotonic() + 10
        while pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    client.stop = stop
    yield client
    stop()


@pytest.fixture
def production_like(own_redis, monkeypatch):
    """The production cache backend and throttle rates, the Celery broker on the same Redis, eager off."""
    saved = {
        "broker_url": celery_app.conf.broker_url,
        "result_backend": celery_app.conf.result_backend,
        "task_always_eager": celery_app.conf.task_always_eager,
    }
    # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets it): point both here.
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER)
    celery_app.conf.update(
        broker_url=BROKER,
        # Whatever settings say about a result backend, it sits on the broker's Redis, as in production.
        result_backend=BROKER if settings.CELERY_RESULT_BACKEND else None,
        task_always_eager=False,
    )
    _forget_celery_connections()
    FailOpenRedisCache.forget_outages()
    with override_settings(
        CACHES={"default": cache_settings(CACHE, broker_url=BROKER)},
        PRM_THROTTLE_RATES=PRODUCTION_RATES,
        CELERY_TASK_ALWAYS_EAGER=False,
    ):
        yield own_redis
    celery_app.conf.update(saved)
    monkeypatch.undo()
    _forget_celery_connections()
    FailOpenRedisCache.forget_outages()


def _forget_celery_connections():
    celery_app._after_fork()  # drops the connection and producer pools bound to the previous broker URL
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


def _deal_body():
    return {
        "customer_name": "Globex Corporation",
        "customer_domain": "globex.example",
        "country": "GB",
        "amount": "125000.00",
        "currency": "EUR",
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "description": "Registered while Redis is down.",
        "products": "Edge gateways",
    }


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

    registered = api.post("/api/v1/deals/", _deal_body(), format="json")
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
