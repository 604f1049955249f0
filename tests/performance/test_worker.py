"""Scorecards kept current by a real worker: a deal won → its outbox event → the incremental recalculation → the
scorecard API shows it; a burst of events for one partner is one recalculation. PostgreSQL + Redis + a `celery
worker` process (skipped locally without a broker, and said so; CI runs it with PRM_STRICT=1)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from deals.services import deal_win
from performance import engine
from performance.models import PendingRecalc, RecalcJob, Scorecard
from prm.events.models import OutboxEvent
from prm.events.services import event_emit

from ..deals.factories import DealFactory
from ..events.test_worker import _wait_for, broker_mode, worker  # noqa: F401 (fixtures)
from ..factories import PartnerUserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_won_deal_reaches_the_scorecard_api_within_seconds(worker, broker_mode, partner_a, api):  # noqa: F811
    rep = PartnerUserFactory(partner=partner_a)
    deal = DealFactory(partner=partner_a, registered_by=rep, approved=True)

    deal_win(actor=rep, deal=deal, amount=Decimal("7654.32"), closed_on=date.today())

    def shown():
        card = Scorecard.objects.filter(partner=partner_a, period_kind="quarter").first()
        return card is not None and card.kpis.get("revenue_won") == "7654.32"

    assert _wait_for(shown, timeout=30), list(OutboxEvent.objects.values("name", "dispatched_at", "last_error"))
    response = api.as_user(rep).get(reverse("partner-scorecard", args=[partner_a.pk]))
    assert response.status_code == 200, response.content
    assert response.json()["kpis"]["revenue_won"] == "7654.32"
    assert response.json()["kpis"]["deals_won"] == 1


def test_a_burst_of_a_hundred_events_is_one_recalculation(worker, broker_mode, partner_a):  # noqa: F811
    deal = DealFactory(partner=partner_a)
    before = RecalcJob.objects.filter(kind="incremental").count()
    with transaction.atomic():
        for n in range(100):
            event_emit(name="deal.commented", instance=deal, payload={"id": deal.pk, "comment": n})

    events = OutboxEvent.objects.filter(name="deal.commented", aggregate_id=str(deal.pk))
    assert _wait_for(lambda: not events.filter(dispatched_at__isnull=True).exists(), timeout=60)
    assert _wait_for(
        lambda: (
            not PendingRecalc.objects.exists()
            and RecalcJob.objects.filter(kind="incremental", state="succeeded").count() > before
        ),
        timeout=30,
    )
    assert RecalcJob.objects.filter(kind="incremental").count() == before + 1
    assert RecalcJob.objects.filter(kind="incremental").latest("id").result["partners"] == 1


def test_a_recalculation_started_by_the_admin_runs_on_the_worker(worker, broker_mode, partner_a, program_admin, api):  # noqa: F811
    """The full run (on PostgreSQL the set-based statement) in the worker's process: the job goes from queued to
    succeeded, its URL shows it, and the scorecards it wrote are the engine's."""
    rep = PartnerUserFactory(partner=partner_a)
    deal = DealFactory(partner=partner_a, registered_by=rep, approved=True)
    deal_win(actor=rep, deal=deal, amount=Decimal("1234.56"), closed_on=date.today())
    Scorecard.objects.all().delete()  # whatever the event's recalculation wrote: the job must write them all

    response = api.as_user(program_admin).post("/api/v1/scorecards/recalculate/")
    assert response.status_code == 202, response.content
    job = RecalcJob.objects.get(pk=response.json()["id"])
    assert _wait_for(lambda: RecalcJob.objects.get(pk=job.pk).state in ("succeeded", "failed"), timeout=60)
    job.refresh_from_db()
    assert (job.state, job.progress) == ("succeeded", 100), job.message
    shown = api.as_user(program_admin).get(response.json()["url"]).json()
    assert (shown["state"], shown["progress"]) == ("succeeded", 100)

    today = timezone.localdate()
    computed = engine.compute_periods(engine.current_periods(today), [partner_a.pk], today=today)
    for period, rows in computed.items():
        [row] = rows
        stored = Scorecard.objects.get(partner=partner_a, period_kind=period.kind, period_start=period.start)
        assert stored.kpis == {key: str(v) if isinstance(v, Decimal) else v for key, v in row.kpis.items()}
        assert (stored.score, stored.tier_path, stored.health_reasons) == (row.score, row.tier_path, row.health_reasons)
    assert stored.kpis["revenue_won"] == "1234.56"
