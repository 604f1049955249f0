"""The project's Celery worker plus one slow outbox handler that appends each delivery's event id to a file, for
tests/events/test_worker_crash.py. The file is written outside any database transaction, so a delivery whose
transaction a SIGKILL undoes is still counted: exactly what a receiver on the other end would have seen."""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings.local")
django.setup()

from prm.celery import app  # noqa: E402
from prm.events.handlers import subscribe  # noqa: E402


@subscribe("crash.")
def record_delivery(event) -> None:
    fd = os.open(os.environ["PRM_DELIVERY_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{event.pk}\n".encode())
    finally:
        os.close(fd)
    time.sleep(0.1)  # a receiver that takes a moment: the kill lands inside a handler, mid-batch


if __name__ == "__main__":
    app.worker_main(
        ["worker", "--pool=solo", "-n", os.environ["PRM_WORKER_NAME"], "--loglevel=INFO"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    )
