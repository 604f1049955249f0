"""Periodic jobs of onboarding and enablement (plain data: merged into CELERY_BEAT_SCHEDULE by the settings)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "onboarding-send-reminders": {"task": "onboarding.send_reminders", "schedule": crontab(hour=7, minute=0)},
    "certifications-remind-expiring": {
        "task": "onboarding.certifications_remind_expiring",
        "schedule": crontab(hour=7, minute=15),
    },
}
