"""Periodic jobs of the performance app (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # every partner, the open month, quarter and trailing twelve months, once a night
    "performance-recalculate-all": {"task": "performance.recalculate_all", "schedule": crontab(hour=2, minute=15)},
    # a safety net for incremental runs whose task was lost (broker down when the event arrived)
    "performance-recalculate-pending": {"task": "performance.recalculate_pending", "schedule": 300.0},
    # the program analytics, shared for five minutes: recomputed every four, so the dashboard never waits for them
    "performance-refresh-analytics": {"task": "performance.refresh_analytics", "schedule": 240.0},
}
