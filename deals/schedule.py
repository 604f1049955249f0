"""Periodic jobs of the deals app (plain data: merged into CELERY_BEAT_SCHEDULE by the settings)."""

BEAT_SCHEDULE = {
    "deals-expire-lapsed": {"task": "deals.expire_lapsed", "schedule": 3600.0},
    "deals-warn-expiring": {"task": "deals.warn_expiring", "schedule": 6 * 3600.0},
    "leads-return-unanswered": {"task": "deals.leads_return_unanswered", "schedule": 15 * 60.0},
}
