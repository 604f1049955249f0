"""My earnings: the partner's money by status and program (totals that are the sums of its lines), the lines with
their deal and arithmetic, and the calculator that prices a deal under the partner's programs and tier."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from deals.models import DealStatus
from incentives.accruals import accruals_sync_deal
from incentives.earnings import calculate, earnings_summary
from incentives.models import Accrual, AccrualStatus, ProgramKind

from ..deals.factories import DealFactory, ExchangeRateFactory
from .factories import AccrualFactory, IncentiveProgramFactory

EARNINGS = reverse("portal:earnings")
CALCULATE = reverse("portal:earnings-calculate")


@pytest.fixture
def gold(gold_tier):
    gold_tier.rebate_percent = Decimal("5.00")
    gold_tier.save()
    return gold_tier


@pytest.fixture
def programs(db, gold):
    rebate = IncentiveProgramFactory(name="Gold rebate", kind=ProgramKind.REBATE, rate_percent=None)
    spiff = IncentiveProgramFactory(
        name="SD-WAN SPIFF", kind=ProgramKind.SPIFF, rate_percent=None, amount=Decimal("500"), currency="USD",
        products="SD-WAN",
    )  # fmt: skip
    firewall = IncentiveProgramFactory(
        name="Firewall SPIFF", kind=ProgramKind.SPIFF, rate_percent=None, amount=Decimal("300"), currency="USD",
        products="firewall",
    )  # fmt: skip
    bonus = IncentiveProgramFactory(
        name="Volume bonus", kind=ProgramKind.VOLUME_BONUS, rate_percent=None,
        thresholds=[{"min_revenue": "100000", "percent": "2"}],
    )  # fmt: skip
    return rebate, spiff, firewall, bonus


def _win(partner, amount, products="", currency="USD"):
    deal = DealFactory(
        partner=partner, status=DealStatus.WON, won_amount=Decimal(amount), amount=Decimal(amount),
        currency=currency, products=products, closed_on=timezone.localdate(),
    )  # fmt: skip
    accruals_sync_deal(deal.pk)
    return deal


def test_totals_by_status_and_program_are_the_sums_of_the_lines(partner_a, partner_a_admin, programs):
    rebate, spiff, *_ = programs
    _win(partner_a, "12000.00", "SD-WAN rollout")
    _win(partner_a, "3333.33")
    Accrual.objects.filter(program=spiff).update(status=AccrualStatus.APPROVED)
    AccrualFactory(partner=partner_a, program=rebate, amount=Decimal("10.05"), status=AccrualStatus.PAID)

    summary = earnings_summary(actor=partner_a_admin, partner=partner_a)

    lines = list(Accrual.objects.filter(partner=partner_a))
    for status in ("accrued", "approved", "paid"):
        assert summary.totals[status] == sum((x.amount for x in lines if x.status == status), Decimal("0"))
    # 5% of 12,000.00 + 5% of 3,333.33 (166.6665 → 166.67 on its own line)
    assert summary.totals["accrued"] == Decimal("766.67")
    assert summary.totals["approved"] == Decimal("500.00")
    by_name = {p.name: p for p in summary.programs}
    assert by_name["Gold rebate"].by_status == {"accrued": Decimal("766.67"), "paid": Decimal("10.05")}
    assert by_name["Gold rebate"].lines == 3
    assert by_name["SD-WAN SPIFF"].by_status == {"approved": Decimal("500.00")}


def test_the_page_shows_totals_lines_with_deal_and_arithmetic_and_filters(
    partner_a, partner_a_rep, programs, page_client
):
    rebate, spiff, *_ = programs
    deal = _win(partner_a, "12000.00", "SD-WAN rollout")
    client = page_client.as_user(partner_a_rep)

    page = client.get(EARNINGS)
    assert page.status_code == 200
    text = page.content.decode()
    assert "5% of 12,000.00 USD, the Gold tier&#x27;s rate" in text
    assert "SPIFF of 500.00 USD per won deal with sd-wan" in text
    assert deal.customer_name in text
    assert page.context["summary"].totals["accrued"] == Decimal("1100.00")

    only_spiff = client.get(EARNINGS, {"program": spiff.pk}, HTTP_HX_REQUEST="true")
    assert [line.program for line in only_spiff.context["page"].object_list] == [spiff]
    assert "5% of 12,000.00" not in only_spiff.content.decode()
    paid = client.get(EARNINGS, {"status": "paid"})
    assert list(paid.context["page"].object_list) == []


def test_another_partners_lines_never_appear(partner_a, partner_b, partner_a_admin, programs, page_client):
    rebate, *_ = programs
    AccrualFactory(partner=partner_b, program=rebate, explanation="Bravo's secret rebate", amount=Decimal("999"))
    _win(partner_a, "1000.00")

    summary = earnings_summary(actor=partner_a_admin, partner=partner_b)  # names the other partner: sees nothing
    assert summary.totals["accrued"] == 0
    assert list(summary.lines.queryset) == []

    page = page_client.as_user(partner_a_admin).get(EARNINGS)
    assert "Bravo&#x27;s secret rebate" not in page.content.decode()
    assert page.context["summary"].totals["accrued"] == Decimal("50.00")


def test_calculator_for_a_gold_partner_rebate_at_the_tier_rate_and_only_the_matching_spiff(
    partner_a, partner_a_admin, programs
):
    result = calculate(actor=partner_a_admin, partner=partner_a, amount="20000", currency="USD", products="SD-WAN")

    rows = {row.program.name: row for row in result.rows}
    assert rows["Gold rebate"].amount == Decimal("1000.00")
    assert rows["Gold rebate"].explanation == "5% of 20,000.00 USD, the Gold tier's rate"
    assert rows["SD-WAN SPIFF"].amount == Decimal("500.00")
    assert rows["Firewall SPIFF"].amount is None
    assert rows["Firewall SPIFF"].explanation == "Does not apply: only for deals with firewall in their products."
    assert rows["Volume bonus"].amount is None
    assert rows["Volume bonus"].explanation.startswith("2% of the quarter's revenue once it reaches 100,000 USD")
    assert result.total == Decimal("1500.00")


def test_calculator_converts_another_currency_at_todays_rate(partner_a, partner_a_admin, programs):
    ExchangeRateFactory(currency="EUR", rate=Decimal("1.10"), valid_from=timezone.localdate() - timedelta(days=3))

    result = calculate(actor=partner_a_admin, partner=partner_a, amount="1234.57", currency="eur")

    rebate = next(row for row in result.rows if row.program.name == "Gold rebate")
    # 1,234.57 EUR × 1.10 = 1,358.027 USD; 5% = 67.90135 → 67.90
    assert rebate.amount == Decimal("67.90")
    assert rebate.explanation == "5% of 1,234.57 EUR (1,358.03 USD at 1.1), the Gold tier's rate"
    assert result.total == Decimal("67.90")


def test_calculator_ignores_programs_the_partner_is_not_eligible_for(partner_b, partner_b_admin, programs, gold):
    silver_only = IncentiveProgramFactory(name="Gold-only rebate", rate_percent=Decimal("9"))
    silver_only.audience_tiers.set([gold])

    result = calculate(actor=partner_b_admin, partner=partner_b, amount="100", currency="USD")

    names = [row.program.name for row in result.rows]
    assert "Gold-only rebate" not in names
    rebate = next(row for row in result.rows if row.program.name == "Gold rebate")
    assert rebate.amount is None and rebate.explanation == "No rebate: you have no tier yet."


@pytest.mark.parametrize(
    ("amount", "currency", "field", "message"),
    [
        ("lots", "USD", "amount", "Enter the deal's amount as a number, for example 25000."),
        ("-5", "USD", "amount", "The deal's amount must be more than zero."),
        ("1e20", "USD", "amount", "The deal's amount must be at most 999,999,999,999.99."),
        ("100", "ZZZ", "currency", "“ZZZ” is not a currency code (for example USD, EUR, GBP)."),
        ("100", "JPY", "currency", "There is no exchange rate from JPY to USD today."),
    ],
)
def test_bad_input_says_what_is_wrong_once(
    partner_a, partner_a_admin, programs, page_client, amount, currency, field, message
):  # noqa: E501
    with pytest.raises(ValidationError) as exc:
        calculate(actor=partner_a_admin, partner=partner_a, amount=amount, currency=currency)
    assert exc.value.message_dict == {field: [message]}

    answer = page_client.as_user(partner_a_admin).post(
        CALCULATE, {"amount": amount, "currency": currency}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200
    assert answer.content.decode().count(message.replace("'", "&#x27;")) == 1
    assert 'data-testid="calculation"' not in answer.content.decode()


def test_the_calculator_answers_in_its_card_and_without_htmx_on_the_page(
    partner_a, partner_a_rep, programs, page_client
):
    client = page_client.as_user(partner_a_rep)

    partial = client.post(CALCULATE, {"amount": "10000", "currency": "USD", "products": ""}, HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert "<html" not in text
    assert 'data-testid="calc-total">500.00 USD' in text.replace(",", "")

    full = client.post(CALCULATE, {"amount": "", "currency": "USD"})
    assert full.status_code == 400
    assert full.content.decode().count("This field is required.") == 1
    assert "My earnings" in full.content.decode()


def test_managers_do_not_open_the_partner_page(manager, page_client, db):
    assert page_client.as_user(manager).get(EARNINGS).status_code == 403


def test_the_totals_are_one_grouped_query_whatever_the_number_of_programs(
    partner_a, partner_a_admin, programs, django_assert_num_queries
):
    for amount in ("1000.00", "2000.00", "3000.00"):
        _win(partner_a, amount, "SD-WAN firewall")

    with django_assert_num_queries(1):
        summary = earnings_summary(actor=partner_a_admin, partner=partner_a)
    assert len(summary.programs) == 3
