"""Periodic jobs of the incentives app (merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # volume bonuses of the quarter that just closed (idempotent: a bonus is paid once per partner and quarter)
    "incentives-close-volume-bonuses": {
        "task": "incentives.close_volume_bonuses",
        "schedule": crontab(hour=3, minute=0),
    },
    # badges by rule for every partner (events grant them within minutes; this catches scorecard-based rules)
    "incentives-grant-badges": {
        "task": "incentives.grant_badges",
        "schedule": crontab(hour=4, minute=30),
    },
}
