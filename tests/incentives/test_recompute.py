"""The set-based program recomputation (PostgreSQL) makes exactly the lines the line-by-line path makes: the same
deals, amounts, refusals by the cap, rates and words. Each program below is made twice with the same rule; one
copy is recomputed line by line (`earned` and `accrue`, the reference), the other by the one statement, and every
line is compared."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from deals.models import DealStatus
from incentives.accruals import accruals_sync_deal, program_recompute, program_recompute_by_line
from incentives.models import Accrual, IncentiveProgram, ProgramKind
from incentives.recompute import program_recompute_sql
from partners.models import PartnerType

from ..deals.factories import ExchangeRateFactory
from ..factories import PartnerFactory, TierFactory
from .factories import IncentiveProgramFactory, won_deal

START = date(2025, 1, 1)
COLUMNS = (
    "deal_id",
    "partner_id",
    "kind",
    "status",
    "amount",
    "capped_amount",
    "currency",
    "base_amount",
    "base_currency",
    "exchange_rate",
    "explanation",
)


def postgres_only() -> None:
    if connection.vendor != "postgresql":
        from tests.conftest import skip_or_fail

        skip_or_fail("the set-based recomputation runs on PostgreSQL (set DATABASE_URL=postgres://...)")


def made_by(program: IncentiveProgram) -> list[tuple]:
    return list(Accrual.objects.filter(program=program).order_by("deal_id").values_list(*COLUMNS))


def both_ways(**rule) -> tuple[list[tuple], list[tuple], IncentiveProgram, IncentiveProgram]:
    """(lines line by line, lines by the statement, the two programs) for one rule."""
    tiers = rule.pop("tiers", [])
    reference = IncentiveProgramFactory(name="Line by line", starts_on=START, **rule)
    candidate = IncentiveProgramFactory(name="One statement", starts_on=START, **rule)
    for program in (reference, candidate):
        program.audience_tiers.set(tiers)
    made = (program_recompute_by_line(reference), program_recompute_sql(candidate))
    assert made[0] == made[1]
    reference.refresh_from_db()
    candidate.refresh_from_db()
    return made_by(reference), made_by(candidate), reference, candidate


@pytest.fixture
def book(db):
    """Won deals in three currencies (EUR's rate changes mid-way, CHF has none), partners in two tiers and none,
    two countries and two types; deals before the programs start and after they end; products to match."""
    postgres_only()
    gold = TierFactory(name="Gold", rank=3, rebate_percent=Decimal("10.00"))
    silver = TierFactory(name="Silver", rank=2, rebate_percent=Decimal("2.50"))
    ExchangeRateFactory(currency="EUR", rate=Decimal("1.10000000"), valid_from=START - timedelta(days=30))
    ExchangeRateFactory(currency="EUR", rate=Decimal("1.08250000"), valid_from=START + timedelta(days=60))
    ExchangeRateFactory(currency="JPY", rate=Decimal("0.00670000"), valid_from=START - timedelta(days=30))
    partners = [
        PartnerFactory(tier=gold, country="DE", partner_type=PartnerType.RESELLER),
        PartnerFactory(tier=silver, country="FR", partner_type=PartnerType.RESELLER),
        PartnerFactory(tier=gold, country="FR", partner_type=PartnerType.MSP),
        PartnerFactory(tier=None, country="DE", partner_type=PartnerType.MSP),
    ]
    amounts = ["12000.00", "0.05", "333.33", "1234567.89", "99.99", "50000.00"]
    currencies = ["USD", "EUR", "JPY", "CHF"]
    products = ["SD-WAN appliance", "Firewall", "", "sd-wan licences, support", "100%_off"]
    deals = []
    for i in range(36):
        deals.append(
            won_deal(
                partners[i % len(partners)],
                amounts[i % len(amounts)],
                currency=currencies[i % len(currencies)],
                products=products[i % len(products)],
                closed_on=START + timedelta(days=(i * 7) % 140 - 10),  # some before the start
            )
        )
    return {"gold": gold, "silver": silver, "partners": partners, "deals": deals}


RULES = {
    "rebate at a fixed rate": {"kind": ProgramKind.REBATE, "rate_percent": Decimal("10.00")},
    "rebate at the tier's rate": {"kind": ProgramKind.REBATE, "rate_percent": None},
    "rebate with an end date": {
        "kind": ProgramKind.REBATE,
        "rate_percent": Decimal("3.75"),
        "ends_on": START + timedelta(days=70),
    },
    "rebate under a cap": {"kind": ProgramKind.REBATE, "rate_percent": Decimal("5"), "budget_cap": Decimal("9000")},
    "rebate for one country and type": {
        "kind": ProgramKind.REBATE,
        "rate_percent": Decimal("1"),
        "audience_countries": ",FR,",
        "audience_partner_types": ",reseller,",
    },
    "SPIFF for some products": {
        "kind": ProgramKind.SPIFF,
        "rate_percent": None,
        "amount": Decimal("250.00"),
        "currency": "",
        "products": "SD-WAN, 100%_off",
    },
    "SPIFF in euros above a size": {
        "kind": ProgramKind.SPIFF,
        "rate_percent": None,
        "amount": Decimal("100.00"),
        "currency": "EUR",
        "min_deal_amount": Decimal("300"),
        "budget_cap": Decimal("1000"),
    },
}


@pytest.mark.parametrize("rule", RULES, ids=list(RULES))
def test_the_statement_makes_the_lines_the_line_by_line_path_makes(book, rule):
    rules = dict(RULES[rule])
    if rule == "rebate at the tier's rate":
        rules["tiers"] = [book["gold"], book["silver"]]
    by_line, by_statement, reference, candidate = both_ways(**rules)
    assert by_line, "the rule pays something"
    assert by_statement == by_line
    assert candidate.committed == reference.committed
    assert program_recompute_sql(candidate) == 0  # again: nothing more
    assert made_by(candidate) == by_statement


def test_a_spiff_without_an_amount_pays_nothing_either_way(book):
    by_line, by_statement, *_ = both_ways(kind=ProgramKind.SPIFF, rate_percent=None, amount=None)
    assert by_line == by_statement == []


def test_the_words_of_a_line_made_by_the_statement(book):
    *_, candidate = both_ways(kind=ProgramKind.REBATE, rate_percent=None)
    eur = next(d for d in book["deals"] if d.currency == "EUR" and d.partner.tier and d.closed_on >= START)
    [line] = Accrual.objects.filter(program=candidate, deal=eur)
    converted = (eur.won_amount * line.exchange_rate).quantize(Decimal("0.01"))
    rate = format(line.exchange_rate.normalize(), "f")
    percent = format(eur.partner.tier.rebate_percent.normalize(), "f")
    assert line.explanation == (
        f"{percent}% of {eur.won_amount:,.2f} EUR ({converted:,.2f} USD at {rate}), the {eur.partner.tier.name} "
        "tier's rate"
    )
    assert not Accrual.objects.filter(program=candidate, base_currency="CHF").exists()  # no rate: no line


def test_a_deal_with_a_live_line_is_left_alone_and_one_reversed_is_paid_again(book):
    program = IncentiveProgramFactory(starts_on=START, rate_percent=Decimal("2"))
    first, second = [d for d in book["deals"] if d.currency == "USD" and d.closed_on >= START][:2]
    for deal in (first, second):
        accruals_sync_deal(deal.pk)
    first.status = DealStatus.APPROVED
    first.save(update_fields=["status"])
    accruals_sync_deal(first.pk)  # reversed
    first.status = DealStatus.WON
    first.save(update_fields=["status"])
    before = Accrual.objects.filter(program=program).count()
    made = program_recompute(program)  # PostgreSQL: the statement
    assert Accrual.objects.filter(program=program).count() == before + made
    assert Accrual.objects.filter(program=program, deal=second, kind="accrual").count() == 1
    assert Accrual.objects.filter(program=program, deal=first, kind="accrual", reversed_at__isnull=True).count() == 1


class CapAndAmountsProperty(TestCase):
    """For any won amounts, closing days and cap, the statement's lines are the line-by-line path's lines."""

    @settings(max_examples=15, deadline=None)
    @given(
        deals=st.lists(
            st.tuples(
                st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900000"), places=2),
                st.integers(min_value=0, max_value=30),
            ),
            min_size=1,
            max_size=8,
        ),
        cap=st.one_of(st.none(), st.decimals(min_value=Decimal("0"), max_value=Decimal("20000"), places=2)),
        rate=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2),
    )
    def test_same_lines(self, deals, cap, rate):
        postgres_only()
        partner = PartnerFactory()
        for amount, day in deals:
            won_deal(partner, str(amount), closed_on=START + timedelta(days=day))
        by_line, by_statement, reference, candidate = both_ways(rate_percent=rate, budget_cap=cap)
        assert by_statement == by_line
        assert candidate.committed == reference.committed <= (cap if cap is not None else reference.committed)
