"""The shared cache, and how it behaves when Redis is gone.

Redis is a broker and a cache here, never a dependency of answering a request. The cache holds only what
can be recomputed or forgotten (throttle histories, memoized reads), so when Redis does not answer, a read
is a miss, a write is dropped, and the request goes on: throttles fail open, pages and the API keep serving.
Sessions live in the database (`SESSION_ENGINE` is Django's default), so sign-in does not need Redis either.

After a failure the cache stays "down" for `RETRY_AFTER` seconds and does not try Redis at all, so an outage
costs one short socket timeout per process every few seconds rather than one per cache call."""

from __future__ import annotations

import functools
import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0
# Short enough that an unreachable host costs a request well under a second, long enough for a busy Redis.
SOCKET_TIMEOUT = 0.5

_down_until: dict[str, float] = {}
_down_lock = threading.Lock()


def _fail_open(fallback):
    """Run the cache call; on a Redis error log once per outage, remember it, and answer `fallback(args)`."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if _down_until.get(self._location_key, 0.0) > time.monotonic():
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as exc:
                with _down_lock:
                    first = _down_until.get(self._location_key, 0.0) == 0.0
                    _down_until[self._location_key] = time.monotonic() + RETRY_AFTER
                if first:  # one line per outage and process, without the URL's password
                    host, db = _redis_db(self._location_key.split(",")[0])
                    logger.warning("cache.unavailable", extra={"cache_host": host, "cache_db": db, "error": str(exc)})
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _empty(*args, **kwargs):
    return {}


def _delta(key, delta=1, *args, **kwargs):
    # A counter that cannot be read counts from zero: a limit built on incr() lets the request through.
    return delta


def _all_failed(data, *args, **kwargs):
    return list(data)


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache with short socket timeouts whose errors are logged and swallowed (fail open)."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**_timeouts(), **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._location_key = ",".join(self._servers)

    @classmethod
    def is_down(cls, location: str) -> bool:
        return _down_until.get(location, 0.0) > time.monotonic()

    @classmethod
    def forget_outages(cls) -> None:
        """Try Redis again on the next call (tests, and after an operator fixed Redis)."""
        with _down_lock:
            _down_until.clear()

    add = _fail_open(_false)(RedisCache.add)
    get = _fail_open(_default)(RedisCache.get)
    set = _fail_open(_nothing)(RedisCache.set)
    touch = _fail_open(_false)(RedisCache.touch)
    delete = _fail_open(_false)(RedisCache.delete)
    get_many = _fail_open(_empty)(RedisCache.get_many)
    has_key = _fail_open(_false)(RedisCache.has_key)
    incr = _fail_open(_delta)(RedisCache.incr)
    set_many = _fail_open(_all_failed)(RedisCache.set_many)
    delete_many = _fail_open(_nothing)(RedisCache.delete_many)
    clear = _fail_open(_false)(RedisCache.clear)


def _timeouts() -> dict[str, Any]:
    # redis-py retries a failed command 3 times with exponential backoff by default (seconds, during an outage);
    # one immediate retry is enough to replace a pooled connection that a Redis restart closed.
    return {
        "socket_connect_timeout": SOCKET_TIMEOUT,
        "socket_timeout": SOCKET_TIMEOUT,
        "retry": Retry(NoBackoff(), 1),
    }


def _redis_db(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    path = parts.path.strip("/")
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}", int(path) if path.isdigit() else 0


def cache_url_beside_broker(broker_url: str) -> str:
    """The broker's Redis, the next database number: queued tasks and cached values never share a database,
    so neither a cache flush nor an eviction policy can drop a task. No Redis broker: a per-process cache."""
    if not broker_url.startswith(("redis://", "rediss://")):
        return "locmemcache://"
    parts = urlsplit(broker_url)
    _, db = _redis_db(broker_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{(db + 1) % 16}", parts.query, parts.fragment))


def cache_settings(cache_url: str, *, broker_url: str = "") -> dict[str, Any]:
    """`CACHES["default"]` for a cache URL: a Redis URL gets the fail-open backend, anything else (locmem,
    a file or database cache) is passed to django-environ. Refuses a cache on the broker's own database."""
    scheme = urlsplit(cache_url).scheme
    if scheme not in ("redis", "rediss"):
        import environ

        return environ.Env.cache_url_config(cache_url)
    if broker_url.startswith(("redis://", "rediss://")) and _redis_db(cache_url) == _redis_db(broker_url):
        raise ImproperlyConfigured(
            "CACHE_URL points at the Celery broker's Redis database; use another database number "
            f"(e.g. {cache_url_beside_broker(broker_url)}) so a cache flush or eviction cannot drop queued tasks."
        )
    return {"BACKEND": "prm.cache.FailOpenRedisCache", "LOCATION": cache_url, "OPTIONS": _timeouts()}
