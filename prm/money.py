"""Money, once for every app: which currencies are accepted, rounding to a currency's minor unit, and conversion
into the program currency (`settings.PRM_PROGRAM_CURRENCY`) with the exchange rates a program admin sets.

Amounts are `Decimal`, never float, and are rounded only here: `round_money` quantizes to the currency's minor
unit (cents, or none for JPY, or mils for KWD) with ROUND_HALF_UP, the rule accountants and partners expect
(half a cent goes up, not to the even cent). Deal totals use it today; the incentives app (rebates, accruals,
payouts) must use it too, so two screens never disagree by a cent.

The currency list and minor units come from the published ISO 4217 table (the `iso4217` package), not from a
list kept by hand here. The `ExchangeRate` model stays in the `deals` app: moving it would need a data
migration and gains nothing; the lookups below read it through the app registry, so `prm` imports no app.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import iso4217
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

#: ISO lists these among its currencies, but nobody invoices in them: an accounting unit of the Arab Monetary
#: Fund and Uruguay's pension index unit. (Funds codes such as USN or CLF carry ISO's own IsFund flag.)
_UNITS_OF_ACCOUNT = frozenset({"XAD", "UYW"})


def _fund_codes() -> set[str]:
    return {
        entry.findtext("Ccy")
        for entry in iso4217.raw_xml.iterfind("CcyTbl/CcyNtry")
        if entry.find("CcyNm") is not None and entry.find("CcyNm").get("IsFund")
    }


def _minor_units_table() -> dict[str, int]:
    """{code: minor units} of the currencies in circulation: ISO's entries with a numeric minor unit (which leaves
    out gold, silver, the SDR and the test code), less funds and units of account."""
    excluded = _fund_codes() | _UNITS_OF_ACCOUNT
    return {
        code: int(row["CcyMnrUnts"])
        for code, row in iso4217.raw_table.items()
        if code and code not in excluded and (row["CcyMnrUnts"] or "").isdigit()
    }


#: {ISO 4217 code: number of decimal places of its minor unit}, e.g. USD 2, JPY 0, KWD 3.
MINOR_UNITS: dict[str, int] = _minor_units_table()
#: The currencies a deal, a lead or an exchange rate may use.
CURRENCIES: frozenset[str] = frozenset(MINOR_UNITS)


def is_currency(code: str) -> bool:
    return code in CURRENCIES


def currency_choices() -> list[tuple[str, str]]:
    return [(code, code) for code in sorted(CURRENCIES)]


def check_currency(value: str, *, field: str = "currency") -> str:
    """The upper-cased code, or a ValidationError on `field` that says what a currency code looks like."""
    code = (value or "").strip().upper()
    if not is_currency(code):
        raise ValidationError({field: f"“{value}” is not an ISO 4217 currency code (for example USD, EUR, GBP)."})
    return code


def minor_units(currency: str) -> int:
    """Decimal places of `currency`'s minor unit. An unknown code is an error, not a silent 2."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise ValueError(f"{currency!r} is not an ISO 4217 currency code") from None


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half up to `currency`'s minor unit: 2.675 USD → 2.68, 1234.5 JPY → 1235."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def plain_decimal(value: Decimal) -> str:
    """A decimal as a person writes it, without the column's trailing zeros: 10.00 → "10", 2.50 → "2.5",
    0.92000000 → "0.92" (`normalize()` alone writes 10.00 as "1E+1")."""
    return format(value.normalize(), "f")


def rates_on(day: date | None = None) -> dict[str, Decimal]:
    """{currency: program-currency value of one unit} valid on `day` (today by default), in one query; the
    program currency is 1 by definition."""
    exchange_rate = apps.get_model("deals", "ExchangeRate")
    day = day or timezone.localdate()
    rates: dict[str, Decimal] = {settings.PRM_PROGRAM_CURRENCY: Decimal("1")}
    for currency, rate in (
        exchange_rate.objects.filter(valid_from__lte=day)
        .order_by("currency", "-valid_from")
        .values_list("currency", "rate")
    ):
        rates.setdefault(currency, rate)
    return rates


def convert(amount: Decimal | None, currency: str, *, rates: dict[str, Decimal] | None = None) -> Decimal | None:
    """`amount` in the program currency, rounded to its minor unit; None when `amount` is None or no rate is
    known for `currency` (the caller says so on the page rather than counting it as zero). Pass `rates` from
    `rates_on` when converting many amounts, so they cost one query."""
    if amount is None:
        return None
    rates = rates if rates is not None else rates_on()
    rate = rates.get(currency)
    return None if rate is None else round_money(amount * rate, settings.PRM_PROGRAM_CURRENCY)
