"""The whole path of a partner's money, through the services as a user would drive it: a deal won → rebate and
SPIFF accrued once (the event delivered twice) → the month closed, the statement approved and paid by finance →
the deal reopened → its reversal waits on the next statement, and the paid one never changes."""

from datetime import date
from decimal import Decimal

import pytest

from deals.services import deal_reopen, deal_win
from incentives import statements
from incentives.models import Accrual, PayoutStatement
from incentives.tasks import sync_deal
from performance.periods import Period
from prm.errors import InvalidTransition
from prm.events.models import OutboxEvent
from prm.events.services import outbox_dispatch_pending

from ..deals.factories import DealFactory
from ..factories import PartnerFactory, TierFactory
from .factories import IncentiveProgramFactory

pytestmark = pytest.mark.django_db


def test_won_accrued_once_paid_then_reopened_and_reversed_on_the_next_statement(
    finance, manager, django_capture_on_commit_callbacks
):
    gold = TierFactory(name="Gold", rank=3, rebate_percent=Decimal("5"))
    partner = PartnerFactory(tier=gold)
    IncentiveProgramFactory(name="Rebate", rate_percent=None)
    IncentiveProgramFactory(
        name="SPIFF", kind="spiff", rate_percent=None, amount=Decimal("250"), currency="USD", products="SD-WAN"
    )
    deal = DealFactory(partner=partner, approved=True, products="SD-WAN gateways")
    with django_capture_on_commit_callbacks(execute=True):
        deal_win(actor=deal.registered_by, deal=deal, amount=Decimal("20000.00"), closed_on=date.today())
    won = OutboxEvent.objects.get(name="deal.won", aggregate_id=str(deal.pk))
    sync_deal(won.pk)  # the event delivered a second time

    lines = Accrual.objects.filter(deal=deal)
    assert sorted(lines.values_list("program__name", "amount")) == [
        ("Rebate", Decimal("1000.00")),
        ("SPIFF", Decimal("250.00")),
    ]

    month = Period.containing("month", date.today())
    statements.statements_generate(actor=finance, period_start=month.start, period_end=month.end)
    statement = PayoutStatement.objects.get(partner=partner)
    assert statement.total == Decimal("1250.00")
    statements.statement_approve(actor=finance, statement=statement)
    statements.statement_mark_paid(actor=finance, statement=statement, payment_reference="PAY-1")
    assert set(lines.values_list("status", flat=True)) == {"paid"}

    deal.refresh_from_db()
    deal_reopen(actor=manager, deal=deal, reason="The customer cancelled.")
    outbox_dispatch_pending()  # what the worker does once the reopening commits

    statement.refresh_from_db()
    assert (statement.status, statement.total) == ("paid", Decimal("1250.00"))  # the paid one never changes
    assert statement.lines.count() == 2
    reversals = Accrual.objects.filter(deal=deal, kind="reversal")
    assert sorted(reversals.values_list("amount", "status", "statement")) == [
        (Decimal("-1000.00"), "accrued", None),
        (Decimal("-250.00"), "accrued", None),
    ]

    following = month.shifted(1)
    statements.statements_generate(actor=finance, period_start=following.start, period_end=following.end)
    after = PayoutStatement.objects.get(partner=partner, period_start=following.start)
    assert after.total == Decimal("-1250.00")
    assert set(after.lines.values_list("kind", flat=True)) == {"reversal"}
    with pytest.raises(InvalidTransition):
        statements.statement_approve(actor=finance, statement=statement)  # paid: nothing moves it
