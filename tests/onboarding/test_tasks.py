"""The daily jobs: thin tasks over idempotent services, on the beat schedule."""

from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.utils import timezone

from onboarding import tasks
from onboarding.models import OnboardingPlan

from .factories import CertificationFactory


def test_the_jobs_are_on_the_beat_schedule():
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"onboarding.send_reminders", "onboarding.certifications_remind_expiring"} <= tasks_scheduled


def test_the_reminder_job_runs_once_a_day(plan_a, partner_a_admin):
    plan_a.steps.update(due_on=timezone.localdate() - timedelta(days=1))
    OnboardingPlan.objects.filter(pk=plan_a.pk).update(last_progress_at=timezone.now() - timedelta(days=20))
    first = tasks.onboarding_send_reminders_task.delay().get()
    assert first == {"overdue_steps": 4, "stuck_plans": 1, "emails": 3}
    sent = len(mail.outbox)
    assert tasks.onboarding_send_reminders_task.delay().get() == {"overdue_steps": 0, "stuck_plans": 0, "emails": 0}
    assert len(mail.outbox) == sent


def test_the_certification_job_reminds_once(course, partner_a_rep, django_capture_on_commit_callbacks):
    CertificationFactory(user=partner_a_rep, course=course, expires_on=timezone.localdate() + timedelta(days=29))
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after the commit
        assert tasks.certifications_remind_expiring_task.delay().get() == 1
        assert tasks.certifications_remind_expiring_task.delay().get() == 0
    assert len(mail.outbox) == 1
