"""A program applied to every past won deal in one statement, on PostgreSQL.

`accruals.program_recompute` makes the lines a program owes past deals (a new program, a changed rule). Line by
line, a million deals take minutes; this module does the same work as one INSERT … SELECT: the exchange rate
of each deal's close day by a join on rate intervals, the amount rounded half up once per line (PostgreSQL's
`round` on numeric rounds ties away from zero, as ROUND_HALF_UP does), the budget cap by a running sum in
close-date order (the earliest wins use it up, as the line-by-line path does), and the arithmetic in words built
by the same rules as `accruals.earned` — a test on PostgreSQL runs both paths on the same deals and compares
every column of every line.

It runs in one transaction under a lock of the program's row (the lock `accrue` takes), so an accrual landing
from an event at the same moment waits, the cap's CHECK holds, and a worker killed mid-run leaves nothing
half-made. No ON CONFLICT clause (it costs a quarter of the statement's time): under that lock nothing else can
add a line to the program, and the NOT EXISTS leaves out every deal that has one; were a second live line ever
attempted, the partial unique index on (program, deal) would refuse it and the whole run would roll back.

SQLite keeps the line-by-line path: its decimals are floats, and money must not be."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from prm.money import minor_units

from .accruals import eligible_partners, fmt, program_currency
from .models import IncentiveProgram, ProgramKind

#: to_char's picture for `accruals.fmt` ("1,234.50"): eighteen integer digits, more than any amount here has.
MONEY_PICTURE = "FM999,999,999,999,999,990.00"


def money_words(expression: str) -> str:
    """SQL writing `expression` as `accruals.fmt` does."""
    return f"to_char({expression}, '{MONEY_PICTURE}')"


def _like_any(words: list[str]) -> str:
    """`%(w0)s, %(w1)s, …` placeholders for a LIKE ANY over the SPIFF's product words."""
    return ", ".join(f"%(word{i})s" for i in range(len(words)))


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def program_recompute_sql(program: IncentiveProgram) -> int:
    """The lines `program` owes past won deals without one, made by one statement; returns how many."""
    own = program_currency()
    params: dict[str, Any] = {"program": program.pk, "own": own, "places": minor_units(own)}
    joins, where, columns = [], [], []
    deal_filter = ["d.status = 'won'", "d.won_amount IS NOT NULL", "d.closed_on >= %(starts_on)s"]
    if program.kind == ProgramKind.REBATE:
        if program.rate_percent is None:  # the partner's tier's rate, named in the words
            joins.append("LEFT JOIN partners_tier t ON t.id = p.tier_id")
            columns.append("t.rebate_percent AS percent, ', the ' || t.name || ' tier''s rate' AS source")
        else:
            params["percent"] = program.rate_percent
            columns.append("%(percent)s::numeric AS percent, '' AS source")
        price = "won_amount * rate * percent / 100"
        words = "trim_scale(percent)::text || '%% of ' || base || source"
        where.append("percent > 0")
    elif program.kind == ProgramKind.SPIFF:
        if program.amount is None:  # (a SPIFF without an amount pays nothing, as `earned` says)
            return 0
        products = [w.strip().lower() for w in program.products.split(",") if w.strip()]
        spiff_currency = program.currency or own
        params.update(amount=program.amount, spiff_currency=spiff_currency)
        title = f"SPIFF of {fmt(program.amount)} {spiff_currency} per won deal"
        if products:
            title += f" with {' or '.join(products)}"
            params.update({f"word{i}": f"%{_escape_like(w)}%" for i, w in enumerate(products)})
            deal_filter.append(f"lower(d.products) LIKE ANY (ARRAY[{_like_any(products)}])")
        params["title"] = title
        if spiff_currency == own:
            columns.append("1::numeric AS spiff_rate")
        else:  # the SPIFF's own currency, at the deal's close day
            joins.append(
                "LEFT JOIN rates s ON s.currency = %(spiff_currency)s AND s.valid_from <= d.closed_on "
                "AND (s.valid_to IS NULL OR d.closed_on < s.valid_to)"
            )
            columns.append("s.rate AS spiff_rate")
        if program.min_deal_amount is not None:
            params["min_deal_amount"] = program.min_deal_amount
            where.append("won_amount * rate >= %(min_deal_amount)s")
        price = "%(amount)s::numeric * spiff_rate"
        words = "%(title)s || ' (deal won for ' || base || ')'"
        where.append("spiff_rate IS NOT NULL")
    else:
        return 0
    params["starts_on"] = program.starts_on
    if program.ends_on:
        deal_filter.append("d.closed_on <= %(ends_on)s")
        params["ends_on"] = program.ends_on
    audience = eligible_partners(program)
    if audience.query.where:  # an audience narrower than every partner
        audience_sql, audience_params = audience.values("pk").query.sql_with_params()
        pieces = audience_sql.split("%s")
        audience_sql = pieces[0] + "".join(f"%(audience{i})s{piece}" for i, piece in enumerate(pieces[1:]))
        params.update({f"audience{i}": value for i, value in enumerate(audience_params)})
        deal_filter.append(f"d.partner_id IN ({audience_sql})")

    with transaction.atomic():
        locked = IncentiveProgram.objects.select_for_update().get(pk=program.pk)
        if locked.budget_cap is None:
            pay = "amount"
            window = ""
        else:
            params["room"] = max(locked.budget_cap - locked.committed, Decimal(0))
            pay = "LEAST(amount, GREATEST(%(room)s - (sum(amount) OVER running - amount), 0))"
            window = "WINDOW running AS (ORDER BY closed_on, deal_id ROWS UNBOUNDED PRECEDING)"
        # every piece joined in is a constant of this function; every value is a parameter
        sql = f"""
        WITH rates AS (
            SELECT currency, valid_from, rate,
                   lead(valid_from) OVER (PARTITION BY currency ORDER BY valid_from) AS valid_to
            FROM deals_exchangerate
        ),
        due AS (
            SELECT d.id AS deal_id, d.partner_id, d.won_amount, d.currency, d.closed_on, {", ".join(columns)},
                   CASE WHEN d.currency = %(own)s THEN 1::numeric ELSE r.rate END AS rate
            FROM deals_deal d
            JOIN partners_partner p ON p.id = d.partner_id
            LEFT JOIN rates r ON r.currency = d.currency AND r.valid_from <= d.closed_on
                 AND (r.valid_to IS NULL OR d.closed_on < r.valid_to)
            {" ".join(joins)}
            WHERE {" AND ".join(deal_filter)}
              AND NOT EXISTS (
                  SELECT 1 FROM incentives_accrual a
                  WHERE a.deal_id = d.id AND a.program_id = %(program)s AND a.kind = 'accrual'
                    AND a.reversed_at IS NULL
              )
        ),
        priced AS (
            SELECT due.*, round({price}, %(places)s) AS amount,
                   {money_words("won_amount")} || ' ' || currency || CASE WHEN currency <> %(own)s
                       THEN ' (' || {money_words("round(won_amount * rate, %(places)s)")} || ' ' || %(own)s
                            || ' at ' || trim_scale(rate)::text || ')'
                       ELSE '' END AS base
            FROM due
            WHERE rate IS NOT NULL{"".join(f" AND {w}" for w in where)}
        ),
        paid AS (
            SELECT priced.*, {pay} AS pay, {words} AS words FROM priced {window}
        ),
        made AS (
            INSERT INTO incentives_accrual (
                partner_id, program_id, deal_id, kind, status, amount, currency, base_amount, base_currency,
                exchange_rate, capped_amount, explanation, created_at
            )
            SELECT partner_id, %(program)s, deal_id, 'accrual', 'accrued', pay, %(own)s, won_amount, currency, rate,
                   amount - pay,
                   left(words || CASE WHEN pay < amount THEN '; ' || {money_words("amount - pay")} || ' ' || %(own)s
                       || ' over the program''s budget cap was not accrued' ELSE '' END, 500),
                   now()
            FROM paid
            RETURNING amount
        ),
        committed AS (
            UPDATE incentives_incentiveprogram SET committed = committed + (SELECT COALESCE(sum(amount), 0) FROM made)
            WHERE id = %(program)s
        )
        SELECT count(*) FROM made
        """  # noqa: S608
        with connection.cursor() as cursor:
            # hash joins for a statement over every won deal: the planner's estimate of a program's live lines
            # comes from statistics that may predate the last run, and a nested-loop anti-join over a program
            # that already has its lines (a second run) would compare every deal with every line
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(sql, params)
            made = cursor.fetchone()[0]
            cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
            return made
