"""What every Celery task gets from the settings: time limits, and retries with backoff on transient database
errors (tasks are idempotent, so a retry repeats nothing that was done)."""

import pytest
from celery import shared_task
from django.conf import settings
from django.db.utils import OperationalError

from prm.celery import app as celery_app

calls = []


@pytest.fixture(autouse=True)
def failures_stay_in_the_result():
    """Eager tasks re-raise by default (the test settings); a worker keeps the failure in the task instead."""
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = True


@shared_task(name="tests.events.flaky_database")
def flaky_database() -> int:
    calls.append(1)
    if len(calls) < 3:
        raise OperationalError("server closed the connection unexpectedly")
    return len(calls)


@shared_task(name="tests.events.broken_code")
def broken_code() -> None:
    calls.append(1)
    raise ValueError("a bug is not retried")


def test_a_task_is_retried_after_a_transient_database_error_until_it_succeeds():
    calls.clear()

    flaky_database.apply()

    assert len(calls) == 3


def test_a_task_failing_on_a_bug_is_not_retried():
    calls.clear()

    result = broken_code.apply()

    assert isinstance(result.result, ValueError)

    assert len(calls) == 1


def test_retries_stop_at_the_configured_maximum():
    calls.clear()
    celery_app.tasks["tests.events.flaky_database"].max_retries = 1
    try:
        flaky_database.apply()
    finally:
        celery_app.tasks["tests.events.flaky_database"].max_retries = settings.CELERY_TASK_ANNOTATIONS["*"][
            "max_retries"
        ]

    assert len(calls) == 2


def test_every_task_has_a_soft_and_a_hard_time_limit():
    assert 0 < celery_app.conf.task_soft_time_limit < celery_app.conf.task_time_limit
