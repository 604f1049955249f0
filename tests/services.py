"""Real services for the tests marked `worker`: a throwaway `redis-server`, Celery pointed at it, and Celery
worker processes on the test database. Written once here; tests/core/test_faults.py and tests/events/ use them."""

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from redis import Redis

from prm.celery import app as celery_app

from .conftest import skip_or_fail


@contextlib.contextmanager
def own_redis_server(tmp_path: Path, port: int) -> Iterator[Redis]:
    """A `redis-server` of the test's own on `port` (never the shared 6379), no persistence, its files in
    `tmp_path`. Yields a client to it whose `.stop()` shuts the server down (and waits for it to exit); it is
    stopped at the end in any case. Without `redis-server` installed the test is skipped (failed under
    PRM_STRICT=1)."""
    if shutil.which("redis-server") is None:
        skip_or_fail("this test needs redis-server (it starts its own)")
    pidfile = tmp_path / "redis.pid"
    subprocess.run(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--daemonize", "yes", "--pidfile", str(pidfile), "--dir", str(tmp_path)],
        check=True,
        timeout=10,
    )
    client = Redis(port=port, socket_timeout=1)

    def stop() -> None:
        # The connection drops as the server exits: that is the point.
        with contextlib.suppress(Exception):
            client.shutdown(nosave=True)
        deadline = time.monotonic() + 10
        while pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    client.stop = stop
    try:
        deadline = time.monotonic() + 10
        while not _pings(client):
            if time.monotonic() > deadline:
                pytest.fail(f"redis-server on port {port} did not start")
            time.sleep(0.1)
        yield client
    finally:
        stop()


def _pings(client: Redis) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


@contextlib.contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Celery in this process publishing to `url`, eager mode off, as in production; a result backend only if
    the settings configure one, and then on the same Redis. Everything is put back on exit."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    with pytest.MonkeyPatch.context() as env:
        # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets it): set both.
        env.setenv("CELERY_BROKER_URL", url)
        celery_app.conf.update(
            broker_url=url,
            result_backend=url if settings.CELERY_RESULT_BACKEND else None,
            task_always_eager=False,
        )
        _forget_celery_connections()
        try:
            yield
        finally:
            celery_app.conf.update(saved)
    _forget_celery_connections()


def _forget_celery_connections() -> None:
    celery_app._after_fork()  # drops the connection and producer pools bound to the previous broker URL
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


def require_real_worker() -> str:
    """The broker a real worker runs against: CELERY_BROKER_URL, which must be Redis, with the test database on
    PostgreSQL (a worker cannot share an in-memory SQLite). Otherwise skipped, or failed under PRM_STRICT=1."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis"):
        skip_or_fail("real-worker tests need CELERY_BROKER_URL=redis://... (see .ci/run)")
    if connection.vendor != "postgresql":
        skip_or_fail("real-worker tests need DATABASE_URL=postgres://... (a worker cannot share an in-memory SQLite)")
    return broker


def database_url() -> str:
    """The test database as a DATABASE_URL, for a worker process to use."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(
    args: list[str], *, name: str, log_path: Path, deadline: float, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Starts `python <args>` as a Celery worker on the test database and the broker of `require_real_worker()`,
    eager mode off, its output in `log_path`, and waits until the worker called `name` (the part before `@`; the
    caller passes it on in `args` or `env`) answers a ping. Fails the test with the log's tail if it has not by
    `deadline` (time.monotonic()) or exits first. The caller stops the process."""
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "prm.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": require_real_worker(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **(env or {}),
    }
    with open(log_path, "w") as log:  # the child keeps its own copy of the file descriptor
        proc = subprocess.Popen(
            [sys.executable, *args], cwd=settings.BASE_DIR, env=full_env, stdout=log, stderr=subprocess.STDOUT
        )
    while not any(name in reply_name for reply in celery_app.control.ping(timeout=0.5) for reply_name in reply):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail("the Celery worker did not start:\n" + log_path.read_text()[-3000:])
    return proc
