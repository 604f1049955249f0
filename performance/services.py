"""Writes of the performance app: recalculation (incremental, on demand, nightly) and the scorecard settings.
Tier proposals are decided in proposals.py; business plans live in plans.py."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from prm.errors import Conflict
from prm.events.services import event_emit
from prm.permissions import require_perm
from prm.services import apply_changes, service, validate_and_save

from . import engine
from .kpis import KPIS
from .models import JobState, PendingRecalc, PerformanceSettings, RecalcJob, ScoringRule

if TYPE_CHECKING:
    from prm.accounts.models import User

logger = logging.getLogger(__name__)

#: How long an incremental recalculation waits for more events of the same partner (they join the same run).
COALESCE_SECONDS = 2


# --- incremental ---------------------------------------------------------------------------------------------


def scorecards_mark_stale(*, partner_id: int | None) -> bool:
    """Ask for one partner's recalculation shortly. The first event of a burst inserts the pending row and
    schedules the run; the others find the row and add nothing. Returns whether a run was scheduled."""
    if partner_id is None:
        return False
    _, created = PendingRecalc.objects.get_or_create(partner_id=partner_id)
    if created:
        transaction.on_commit(_schedule_pending)
    return created


def _schedule_pending() -> None:
    from .tasks import recalculate_pending

    try:
        recalculate_pending.apply_async(countdown=COALESCE_SECONDS)
    except Exception:  # broker down: the beat sweep (schedule.py) runs the pending rows later
        logger.warning("scorecards.schedule_failed", exc_info=True)


def scorecards_recalculate_pending(*, limit: int = 500) -> int:
    """Recalculate the partners waiting for it, together (one set-based run). A row is claimed by deleting it, so
    an event arriving during the run inserts it again and schedules the next run: nothing is missed."""
    with transaction.atomic():
        ids = list(PendingRecalc.objects.order_by("requested_at").values_list("partner_id", flat=True)[:limit])
        claimed = PendingRecalc.objects.filter(partner_id__in=ids)
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            ids = list(claimed.select_for_update(skip_locked=True).values_list("partner_id", flat=True))
            claimed = PendingRecalc.objects.filter(partner_id__in=ids)
        claimed.delete()
    if not ids:
        return 0
    try:
        with _run_logged("incremental", partners=len(ids)):
            engine.recalculate(partner_ids=ids)
    except Exception:  # put them back: the next run (or the beat sweep) retries them
        PendingRecalc.objects.bulk_create([PendingRecalc(partner_id=pk) for pk in ids], ignore_conflicts=True)
        raise
    return len(ids)


@contextmanager
def _run_logged(kind: str, **result):
    """Keep a row per automatic run (the on-demand ones have theirs already): what ran, when, for how many
    partners and how long — the recalculation history a program admin and the tests can count."""
    started = timezone.now()
    job = RecalcJob.objects.create(kind=kind, state=JobState.RUNNING, started_at=started, result={})
    try:
        yield job
    except Exception:
        RecalcJob.objects.filter(pk=job.pk).update(state=JobState.FAILED, finished_at=timezone.now())
        raise
    finished = timezone.now()
    result.update(job.result or {})
    result["ms"] = round((finished - started).total_seconds() * 1000)
    RecalcJob.objects.filter(pk=job.pk).update(
        state=JobState.SUCCEEDED, progress=100, finished_at=finished, result=result
    )
    logger.info(f"scorecards.{kind}", extra=result)


# --- full: nightly and on demand -----------------------------------------------------------------------------

#: A queued or running job older than this is taken for dead (its worker was killed): a new one may start.
STALE_JOB_MINUTES = 30
#: Finished job rows older than this are deleted by the nightly run.
JOB_HISTORY_DAYS = 30


def scorecards_recalculate_all() -> int:
    RecalcJob.objects.filter(finished_at__lt=timezone.now() - timedelta(days=JOB_HISTORY_DAYS)).delete()
    with _run_logged("nightly") as job:
        written = engine.recalculate()
        job.result = {"scorecards": written}
    return written


@service
def recalc_job_start(*, actor: User) -> RecalcJob:
    """A program admin's "recalculate now": a job the API and the page poll for its progress."""
    require_perm(actor, "scorecard.recalculate")
    running = (
        RecalcJob.objects.filter(kind="scorecards", state__in=(JobState.QUEUED, JobState.RUNNING))
        .filter(created_at__gte=timezone.now() - timedelta(minutes=STALE_JOB_MINUTES))
        .first()
    )
    if running:
        raise Conflict(f"A recalculation is already under way (job {running.pk}, {running.progress}% done).")
    job = RecalcJob.objects.create(requested_by=actor, message="Waiting for a worker")
    event_emit(
        name="scorecards.recalculation_requested", instance=job, actor=actor, partner_id=None, payload={"job": job.pk}
    )
    transaction.on_commit(lambda: _enqueue_job(job.pk))
    return job


def _enqueue_job(job_id: int) -> None:
    from .tasks import run_recalc_job

    try:
        run_recalc_job.delay(job_id)
    except Exception:  # the broker refused it (the job's own failures are recorded by recalc_job_run)
        logger.warning("scorecards.job_enqueue_failed", exc_info=True)
        RecalcJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            state=JobState.FAILED, finished_at=timezone.now(), message="The job queue is unavailable; try again."
        )


def recalc_job_run(job_id: int) -> None:
    """Run a queued job; progress is written as it goes (outside the scorecards' transaction, so it shows)."""
    claimed = RecalcJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now(), message="Starting"
    )
    if not claimed:
        return  # gone, or already run by another delivery

    def progress(percent: int, message: str) -> None:
        RecalcJob.objects.filter(pk=job_id).update(progress=min(percent, 99), message=message[:300])

    try:
        written = engine.recalculate(progress=progress)
    except Exception as exc:  # recorded on the job for the admin who is watching it; no retry of a whole run
        logger.exception("scorecards.job_failed", extra={"job_id": job_id})
        RecalcJob.objects.filter(pk=job_id).update(
            state=JobState.FAILED, finished_at=timezone.now(), message=f"Failed: {type(exc).__name__}"[:300]
        )
        return
    RecalcJob.objects.filter(pk=job_id).update(
        state=JobState.SUCCEEDED,
        progress=100,
        finished_at=timezone.now(),
        message=f"{written} scorecards recalculated",
        result={"scorecards": written},
    )


# --- settings ------------------------------------------------------------------------------------------------


@service
def scoring_rules_set(*, actor: User, rules: dict[str, dict[str, Any]]) -> list[ScoringRule]:
    """Set KPI weights and targets ({kpi: {"weight": …, "target": …}}); audited. At least one weight must be
    positive, or every score would be 0."""
    require_perm(actor, "scorecard.configure")
    unknown = sorted(set(rules) - set(KPIS))
    if unknown:
        raise ValidationError({"rules": f"Unknown KPI: {', '.join(unknown)}."})
    saved = []
    for key, values in rules.items():
        rule = ScoringRule.objects.filter(kpi=key).first() or ScoringRule(
            kpi=key, weight=KPIS[key].weight, target=KPIS[key].target
        )
        changed = apply_changes(rule, {k: Decimal(str(v)) for k, v in values.items() if k in ("weight", "target")})
        if changed or rule.pk is None:
            try:
                validate_and_save(rule)
            except ValidationError as exc:
                raise ValidationError({key: [m for ms in exc.message_dict.values() for m in ms]}) from exc
        saved.append(rule)
    if not any(weight > 0 for weight, _ in engine.scoring_rules().values()):
        raise ValidationError({"rules": "Give at least one KPI a weight above 0."})
    event_emit(
        name="scoring_rules.updated",
        instance=saved[0] if saved else PerformanceSettings.load(),
        actor=actor,
        partner_id=None,
        payload={"kpis": sorted(rules)},
    )
    return saved


@service
def performance_settings_update(*, actor: User, data: dict[str, Any]) -> PerformanceSettings:
    require_perm(actor, "scorecard.configure")
    settings = PerformanceSettings.load()
    changed = apply_changes(
        settings, {k: v for k, v in data.items() if k in ("auto_apply_tier_changes", "inactivity_days")}
    )
    if changed:
        validate_and_save(settings)
        event_emit(
            name="performance_settings.updated",
            instance=settings,
            actor=actor,
            partner_id=None,
            payload={"changed": changed},
        )
    return settings
