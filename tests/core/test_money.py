"""Money (prm/money.py): the accepted currencies, rounding to a currency's minor unit, conversion into the
program currency with the exchange rates a program admin sets."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from prm.money import (
    check_currency,
    convert,
    currency_choices,
    is_currency,
    minor_units,
    plain_decimal,
    rates_on,
    round_money,
)

from ..deals.factories import ExchangeRateFactory


class TestCurrencies:
    def test_currencies_in_circulation_are_accepted(self):
        assert all(is_currency(code) for code in ("USD", "EUR", "GBP", "JPY", "KWD", "XOF", "CHF"))

    def test_funds_metals_test_codes_and_units_of_account_are_not(self):
        assert not any(is_currency(code) for code in ("USN", "CLF", "XAU", "XDR", "XTS", "XXX", "XAD", "UYW", "usd"))

    def test_check_currency_normalizes_and_names_the_field(self):
        assert check_currency(" eur ") == "EUR"
        with pytest.raises(ValidationError) as exc:
            check_currency("EURO", field="price_currency")
        assert "not an ISO 4217 currency code" in exc.value.message_dict["price_currency"][0]

    def test_the_form_choices_are_every_currency_sorted(self):
        codes = [code for code, _ in currency_choices()]
        assert codes == sorted(codes)
        assert {"USD", "EUR", "JPY"} <= set(codes)


class TestRounding:
    def test_minor_units_follow_iso(self):
        assert (minor_units("USD"), minor_units("JPY"), minor_units("KWD")) == (2, 0, 3)

    def test_an_unknown_currency_is_an_error_not_two_decimals(self):
        with pytest.raises(ValueError, match="ISO 4217"):
            minor_units("ABC")

    def test_half_a_minor_unit_rounds_up(self):
        assert round_money(Decimal("2.675"), "USD") == Decimal("2.68")
        assert round_money(Decimal("2.665"), "USD") == Decimal("2.67")  # not to the even cent
        assert round_money(Decimal("-2.675"), "USD") == Decimal("-2.68")  # a refund rounds like a charge
        assert round_money(Decimal("1234.5"), "JPY") == Decimal("1235")
        assert round_money(Decimal("1.0005"), "KWD") == Decimal("1.001")

    def test_the_result_carries_the_currency_exponent(self):
        assert str(round_money(Decimal("7"), "USD")) == "7.00"
        assert str(round_money(Decimal("7"), "JPY")) == "7"


@pytest.mark.django_db
class TestConversion:
    def test_the_rate_in_force_on_a_day_is_the_latest_one_not_after_it(self, settings):
        today = timezone.localdate()
        ExchangeRateFactory(currency="EUR", rate=Decimal("1.05"), valid_from=today - timedelta(days=60))
        ExchangeRateFactory(currency="EUR", rate=Decimal("1.10"), valid_from=today - timedelta(days=10))
        ExchangeRateFactory(currency="EUR", rate=Decimal("9.99"), valid_from=today + timedelta(days=1))
        rates = rates_on()
        assert rates["EUR"] == Decimal("1.10")
        assert rates[settings.PRM_PROGRAM_CURRENCY] == Decimal("1")
        assert rates_on(today - timedelta(days=30))["EUR"] == Decimal("1.05")

    def test_conversion_rounds_half_up_to_the_program_currency(self, settings):
        settings.PRM_PROGRAM_CURRENCY = "USD"
        ExchangeRateFactory(currency="EUR", rate=Decimal("1.5"))
        # 0.03 EUR × 1.5 = 0.045 USD: half a cent goes up (banker's rounding gave 0.04).
        assert convert(Decimal("0.03"), "EUR") == Decimal("0.05")
        assert convert(Decimal("100"), "USD") == Decimal("100.00")

    def test_no_rate_or_no_amount_is_none_not_zero(self):
        assert convert(Decimal("10"), "JPY", rates={"USD": Decimal("1")}) is None
        assert convert(None, "EUR") is None


@pytest.mark.parametrize(
    ("value", "words"),
    [("10.00", "10"), ("2.50", "2.5"), ("0.92000000", "0.92"), ("100", "100"), ("1.00000000", "1"), ("0.00", "0")],
)
def test_a_decimal_is_written_as_a_person_writes_it(value, words):
    # normalize() alone writes 10.00 as "1E+1": a 10% rebate read "1E+1% of 12,000.00 USD"
    assert plain_decimal(Decimal(value)) == words
