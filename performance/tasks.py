"""Thin Celery tasks of the performance app: ids in, the service does the work. Each is safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="performance.recalculate_pending", acks_late=True)
def recalculate_pending() -> int:
    return services.scorecards_recalculate_pending()


@shared_task(name="performance.recalculate_all", acks_late=True)
def recalculate_all() -> int:
    return services.scorecards_recalculate_all()


@shared_task(name="performance.run_recalc_job", acks_late=True)
def run_recalc_job(job_id: int) -> None:
    services.recalc_job_run(job_id)


@shared_task(name="performance.refresh_analytics", acks_late=True)
def refresh_analytics() -> None:
    from .analytics import program_analytics_refresh

    program_analytics_refresh()
