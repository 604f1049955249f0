"""Accruals from won deals: once per program per deal whatever the events do, reversed (never edited) when the deal
stops being won or its amount changes, within the budget cap, with the arithmetic in words."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from deals.models import Deal, DealStatus
from deals.services import deal_correct_won_amount, deal_reopen, deal_win
from incentives.accruals import accruals_sync_deal, program_recompute
from incentives.bonuses import volume_bonuses_close
from incentives.models import Accrual, AccrualStatus, IncentiveProgram, ProgramKind
from incentives.tasks import sync_deal
from performance.periods import Period
from prm.events.models import OutboxEvent

from ..deals.factories import DealFactory, ExchangeRateFactory
from ..factories import PartnerFactory, TierFactory
from .factories import IncentiveProgramFactory, won_deal

TODAY = date.today()


def lines(deal, **filters):
    return list(Accrual.objects.filter(deal=deal, **filters).order_by("id"))


@pytest.fixture
def gold(db):
    return TierFactory(name="Gold", rank=3, rebate_percent=Decimal("5.00"))


@pytest.fixture
def partner(gold):
    return PartnerFactory(tier=gold)


@pytest.fixture
def programs(db):
    rebate = IncentiveProgramFactory(name="Rebate", kind=ProgramKind.REBATE, rate_percent=None)
    spiff = IncentiveProgramFactory(
        name="SD-WAN SPIFF",
        kind=ProgramKind.SPIFF,
        rate_percent=None,
        amount=Decimal("500"),
        currency="USD",
        products="SD-WAN",
    )
    return rebate, spiff


def test_a_won_deal_earns_its_rebate_and_spiff_once_even_when_the_event_comes_twice(
    partner, programs, django_capture_on_commit_callbacks
):
    rebate, spiff = programs
    deal = DealFactory(partner=partner, approved=True, products="SD-WAN rollout")
    with django_capture_on_commit_callbacks(execute=True):
        deal_win(actor=deal.registered_by, deal=deal, amount=Decimal("12000.00"), closed_on=TODAY)
    event = OutboxEvent.objects.get(name="deal.won", aggregate_id=str(deal.pk))
    sync_deal(event.pk)  # delivered again
    sync_deal(event.pk)

    made = {line.program.name: line for line in lines(deal)}
    assert set(made) == {"Rebate", "SD-WAN SPIFF"}
    assert made["Rebate"].amount == Decimal("600.00")
    assert made["Rebate"].explanation == "5% of 12,000.00 USD, the Gold tier's rate"
    assert made["SD-WAN SPIFF"].amount == Decimal("500.00")
    assert made["SD-WAN SPIFF"].explanation.startswith("SPIFF of 500.00 USD per won deal with sd-wan")
    assert IncentiveProgram.objects.get(pk=rebate.pk).committed == Decimal("600.00")


def test_a_spiff_pays_only_the_deals_it_names(partner, programs):
    deal = won_deal(partner, products="Endpoint security")
    accruals_sync_deal(deal.pk)
    assert [line.program.name for line in lines(deal)] == ["Rebate"]


def test_a_reopened_deal_gets_a_reversal_line_and_a_second_win_a_new_accrual(partner, programs, manager):
    rebate, _ = programs
    deal = won_deal(partner)
    accruals_sync_deal(deal.pk)
    [first] = lines(deal)

    deal_reopen(actor=manager, deal=deal, reason="The customer cancelled the order.")
    accruals_sync_deal(deal.pk)
    first.refresh_from_db()
    reversal = first.reversal
    assert reversal.amount == Decimal("-600.00")
    assert reversal.explanation.startswith("Reversal of “5% of 12,000.00 USD")
    assert first.amount == Decimal("600.00")  # never edited
    # not yet on a statement: both lines are reversed, they net to zero and nothing is paid
    assert {first.status, reversal.status} == {AccrualStatus.REVERSED}
    assert IncentiveProgram.objects.get(pk=rebate.pk).committed == 0

    deal.refresh_from_db()
    deal_win(actor=deal.registered_by, deal=deal, amount=Decimal("10000.00"), closed_on=TODAY)
    accruals_sync_deal(deal.pk)
    live = lines(deal, kind="accrual", reversed_at__isnull=True)
    assert [line.amount for line in live] == [Decimal("500.00")]


def test_a_paid_line_is_taken_back_on_the_next_statement(partner, programs, manager):
    deal = won_deal(partner)
    accruals_sync_deal(deal.pk)
    [line] = lines(deal)
    Accrual.objects.filter(pk=line.pk).update(status=AccrualStatus.PAID)  # as statements.py marks it
    Accrual.objects.filter(pk=line.pk).update(statement=_statement_for(partner))

    deal_correct_won_amount(actor=manager, deal=deal, amount=Decimal("8000.00"), reason="Discount agreed.")
    accruals_sync_deal(deal.pk)
    line.refresh_from_db()
    assert line.status == AccrualStatus.PAID and line.amount == Decimal("600.00")
    reversal = line.reversal
    assert reversal.status == AccrualStatus.ACCRUED and reversal.amount == Decimal("-600.00")
    assert "corrected to 8,000.00 USD" in reversal.explanation
    [new] = lines(deal, kind="accrual", reversed_at__isnull=True)
    assert new.amount == Decimal("400.00")


def _statement_for(partner):
    from .factories import PayoutStatementFactory

    return PayoutStatementFactory(partner=partner, status="paid")


def test_another_currency_is_converted_at_the_close_days_rate_and_says_so(partner, db):
    IncentiveProgramFactory(name="Flat 7.5", rate_percent=Decimal("7.5"))
    ExchangeRateFactory(currency="EUR", rate=Decimal("1.10"), valid_from=TODAY - timedelta(days=10))
    deal = won_deal(partner, amount="10000.00", currency="EUR")
    accruals_sync_deal(deal.pk)
    [line] = lines(deal)
    assert line.amount == Decimal("825.00")  # 10,000 EUR × 1.10 = 11,000 USD × 7.5%
    assert line.explanation == "7.5% of 10,000.00 EUR (11,000.00 USD at 1.1)"
    assert (line.base_amount, line.base_currency, line.exchange_rate) == (Decimal("10000.00"), "EUR", Decimal("1.1"))


def test_the_budget_cap_is_never_exceeded_and_what_it_refused_is_shown(partner, db):
    program = IncentiveProgramFactory(rate_percent=Decimal("5"), budget_cap=Decimal("1000.00"))
    first, second, third = won_deal(partner), won_deal(partner), won_deal(partner)
    for deal in (first, second, third):
        accruals_sync_deal(deal.pk)
    amounts = [(line.amount, line.capped_amount) for d in (first, second, third) for line in lines(d)]
    assert amounts == [
        (Decimal("600.00"), Decimal("0")),
        (Decimal("400.00"), Decimal("200.00")),
        (Decimal("0.00"), Decimal("600.00")),
    ]
    assert "200.00 USD over the program's budget cap was not accrued" in lines(second)[0].explanation
    program.refresh_from_db()
    assert program.committed == program.budget_cap


def test_a_new_program_applied_to_past_deals_and_run_again_changes_nothing(partner, db):
    deals = [won_deal(partner, amount=str(1000 * n), closed_on=TODAY - timedelta(days=n)) for n in range(1, 4)]
    program = IncentiveProgramFactory(rate_percent=Decimal("2"), starts_on=TODAY - timedelta(days=30))
    assert program_recompute(program) == 3
    assert program_recompute(program) == 0
    assert sorted(line.amount for d in deals for line in lines(d)) == [
        Decimal("20.00"),
        Decimal("40.00"),
        Decimal("60.00"),
    ]


def test_a_program_pays_only_its_audience(gold, db):
    program = IncentiveProgramFactory(rate_percent=Decimal("2"))
    program.audience_tiers.set([gold])
    outsider = won_deal(PartnerFactory(tier=None))
    insider = won_deal(PartnerFactory(tier=gold))
    for deal in (outsider, insider):
        accruals_sync_deal(deal.pk)
    assert (len(lines(outsider)), len(lines(insider))) == (0, 1)


def test_a_volume_bonus_is_paid_once_after_its_quarter_closes(partner, db):
    last = Period.containing("quarter", TODAY).previous()
    IncentiveProgramFactory(
        name="Volume",
        kind=ProgramKind.VOLUME_BONUS,
        rate_percent=None,
        thresholds=[{"min_revenue": "10000", "percent": "1"}, {"min_revenue": "20000", "percent": "2"}],
    )
    won_deal(partner, amount="15000.00", closed_on=last.start + timedelta(days=3))
    won_deal(partner, amount="7000.00", closed_on=last.end)
    assert volume_bonuses_close(today=TODAY) == 1
    assert volume_bonuses_close(today=TODAY) == 0
    [line] = Accrual.objects.filter(program__name="Volume")
    assert line.amount == Decimal("440.00")  # 2% of 22,000 (the 20,000 threshold)
    assert line.explanation.startswith(f"2% of 22,000.00 USD won in {last.label}")


class RebateProperty(TestCase):
    """For any won amounts, each rebate line is rate × revenue rounded half up to the cent, and a reversal nets
    the line to zero."""

    @settings(max_examples=25, deadline=None)
    @given(
        amounts=st.lists(
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999"), places=2), min_size=1, max_size=4
        ),
        rate=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2),
    )
    def test_rebate_lines_are_rate_times_revenue_and_reversals_net_to_zero(self, amounts, rate):
        partner = PartnerFactory()
        IncentiveProgramFactory(rate_percent=rate)
        deals = [won_deal(partner, amount=str(a)) for a in amounts]
        for deal in deals:
            accruals_sync_deal(deal.pk)
            [line] = lines(deal)
            assert line.amount == (deal.won_amount * rate / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        Deal.objects.filter(pk__in=[d.pk for d in deals]).update(
            status=DealStatus.APPROVED, won_amount=None, closed_on=None
        )
        for deal in deals:
            accruals_sync_deal(deal.pk)
            assert sum(line.amount for line in lines(deal)) == 0


def test_recomputation_reaches_a_deal_whose_line_was_reversed_while_another_programs_line_is_live(partner, programs):
    rebate, spiff = programs
    deal = won_deal(partner, products="SD-WAN")
    accruals_sync_deal(deal.pk)
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.APPROVED)
    accruals_sync_deal(deal.pk)  # both lines reversed
    IncentiveProgram.objects.filter(pk=rebate.pk).update(is_active=False)
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.WON)
    accruals_sync_deal(deal.pk)  # won again while the rebate was paused: the SPIFF only
    IncentiveProgram.objects.filter(pk=rebate.pk).update(is_active=True)

    assert program_recompute(IncentiveProgram.objects.get(pk=rebate.pk)) == 1
    assert len(lines(deal, program=rebate, kind="accrual", reversed_at__isnull=True)) == 1


class CapProperty(TestCase):
    """For any won deals and any cap, a program never pays more than its cap, every line says what the cap refused,
    and running its recomputation again changes nothing."""

    @settings(max_examples=20, deadline=None)
    @given(
        amounts=st.lists(
            st.decimals(min_value=Decimal("1"), max_value=Decimal("500000"), places=2), min_size=1, max_size=6
        ),
        cap=st.decimals(min_value=Decimal("0"), max_value=Decimal("20000"), places=2),
    )
    def test_the_cap_holds_and_recomputing_changes_nothing(self, amounts, cap):
        partner = PartnerFactory()
        deals = [won_deal(partner, amount=str(a), closed_on=TODAY - timedelta(days=1)) for a in amounts]
        program = IncentiveProgramFactory(
            rate_percent=Decimal("3"), budget_cap=cap, starts_on=TODAY - timedelta(days=5)
        )
        program_recompute(program)
        made = list(Accrual.objects.filter(program=program).values_list("amount", "capped_amount"))
        assert len(made) == len(deals)
        assert sum(paid for paid, _ in made) <= cap
        expected = sum((d.won_amount * 3 / 100).quantize(Decimal("0.01"), ROUND_HALF_UP) for d in deals)
        assert sum(paid + refused for paid, refused in made) == expected
        assert program_recompute(program) == 0
        assert list(Accrual.objects.filter(program=program).values_list("amount", "capped_amount")) == made


def test_a_ten_percent_rebate_says_ten_percent(partner, db):
    """Regression: the words were written with Decimal.normalize(), which writes 10.00 as "1E+1"."""
    IncentiveProgramFactory(rate_percent=Decimal("10.00"))
    deal = won_deal(partner)
    accruals_sync_deal(deal.pk)
    [line] = lines(deal)
    assert line.explanation == "10% of 12,000.00 USD"
    assert line.amount == Decimal("1200.00")
