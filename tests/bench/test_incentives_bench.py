"""Incentives at program scale (10,000 partners, 1,000,000 deals): three programs applied to every past won deal
by their set-based recomputation, beside one hand-written SELECT computing the same totals (the floor), and the
payout period closed for every partner with lines.

The three programs are the kinds a vendor runs together: a rebate at each partner's tier rate for every partner,
a 1.5% regional rebate under a budget cap the history overruns (so the cap's running sum does real work), and a
SPIFF in euros for each won deal of 100,000 USD or more. The floor reads the deals once for all three; the
recomputation reads them once per program and writes every line with its words, then the program's committed sum.

Benchmarks print; they assert nothing about speed, but they check the money: the lines the recomputation wrote add
up, per program, to the floor's totals. Each run commits, as the worker does, and is removed afterwards."""

import time as clock
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test import Client
from django.urls import reverse

from incentives.accruals import program_recompute
from incentives.models import Accrual, IncentiveProgram, ProgramKind
from incentives.statements import statements_generate
from partners.models import Tier
from prm.accounts.models import User
from prm.events.models import OutboxEvent

from .conftest import report_target
from .test_deals_bench import _measure, _ok, _report

RUNS = 2  # recomputations (and floors, interleaved) per `make bench`; the best of each is reported
TIER_RATES = {"Registered": "1.00", "Silver": "2.00", "Gold": "3.50", "Platinum": "5.00"}
REGION = ["DE", "FR", "GB", "NL", "SE"]
CAP = Decimal("2000000.00")
STARTS = {"tier": date(2024, 1, 1), "region": date(2025, 1, 1), "spiff": date(2025, 6, 1)}
FLOOR_NAMES = ["Write floor: tier", "Write floor: region", "Write floor: SPIFF"]
NAMES = ["Partner rebate", "EMEA growth rebate", "Big-deal SPIFF", *FLOOR_NAMES]
SPIFF = {"amount": Decimal("200.00"), "currency": "EUR", "min": Decimal("100000")}


def _programs() -> dict[str, IncentiveProgram]:
    return {
        "tier": IncentiveProgram.objects.create(
            name="Partner rebate", kind=ProgramKind.REBATE, rate_percent=None, starts_on=STARTS["tier"]
        ),
        "region": IncentiveProgram.objects.create(
            name="EMEA growth rebate",
            kind=ProgramKind.REBATE,
            rate_percent=Decimal("1.50"),
            starts_on=STARTS["region"],
            audience_countries="," + ",".join(REGION) + ",",
            budget_cap=CAP,
        ),
        "spiff": IncentiveProgram.objects.create(
            name="Big-deal SPIFF",
            kind=ProgramKind.SPIFF,
            rate_percent=None,
            amount=SPIFF["amount"],
            currency=SPIFF["currency"],
            min_deal_amount=SPIFF["min"],
            starts_on=STARTS["spiff"],
        ),
    }


#: Both floors' rates (each currency's rate with the day it stops) and won deals (each with its partner's country
#: and tier, its rate on its close day, and the SPIFF currency's): the same reading of the deals as the
#: recomputation's, written by hand.
_RATE = """rate AS (
    SELECT currency, rate, valid_from, lead(valid_from) OVER (PARTITION BY currency ORDER BY valid_from) AS until
    FROM deals_exchangerate
)"""
_WON_DEALS = """FROM deals_deal d
    JOIN partners_partner p ON p.id = d.partner_id
    LEFT JOIN partners_tier t ON t.id = p.tier_id
    LEFT JOIN rate r ON r.currency = d.currency AND r.valid_from <= d.closed_on
         AND (r.until IS NULL OR d.closed_on < r.until)
    LEFT JOIN rate eur ON eur.currency = %(spiff_currency)s AND eur.valid_from <= d.closed_on
         AND (eur.until IS NULL OR d.closed_on < eur.until)
    WHERE d.status = 'won' AND d.won_amount IS NOT NULL AND d.closed_on >= %(tier_start)s"""


def _floor_sql() -> tuple[str, dict]:
    """The three programs' totals (lines, paid, refused by the cap) in one SELECT, written by hand: each won deal
    converted at the rate of its close day, each program's rule, the cap as a running sum in close-date order."""
    params = {
        "tier_start": STARTS["tier"],
        "region_start": STARTS["region"],
        "spiff_start": STARTS["spiff"],
        "region": REGION,
        "cap": CAP,
        "spiff": SPIFF["amount"],
        "spiff_currency": SPIFF["currency"],
        "min": SPIFF["min"],
    }
    sql = f"""
        WITH {_RATE}, won AS MATERIALIZED (
            SELECT d.id, d.closed_on, p.country, t.rebate_percent, eur.rate AS eur,
                   d.won_amount * CASE WHEN d.currency = 'USD' THEN 1 ELSE r.rate END AS usd
            {_WON_DEALS}
        ),
        region AS (
            SELECT round(usd * 1.5 / 100, 2) AS amount, closed_on, id
            FROM won WHERE usd IS NOT NULL AND closed_on >= %(region_start)s AND country = ANY(%(region)s)
        ),
        region_paid AS (  -- the cap: a running sum in close-date order
            SELECT amount, LEAST(amount, GREATEST(
                       %(cap)s - (sum(amount) OVER (ORDER BY closed_on, id) - amount), 0)) AS paid
            FROM region
        )
        SELECT 'tier', count(*), sum(round(usd * rebate_percent / 100, 2)), 0
        FROM won WHERE usd IS NOT NULL AND rebate_percent > 0
        UNION ALL
        SELECT 'region', count(*), sum(paid), sum(amount - paid) FROM region_paid
        UNION ALL
        SELECT 'spiff', count(*), sum(round(%(spiff)s * eur, 2)), 0
        FROM won WHERE usd >= %(min)s AND eur IS NOT NULL AND closed_on >= %(spiff_start)s
    """  # noqa: S608 (constants only; every value is a parameter)
    return sql, params


WRITE_FLOOR = f"""
    INSERT INTO incentives_accrual (partner_id, program_id, deal_id, kind, status, amount, currency, base_amount,
                                    base_currency, exchange_rate, capped_amount, explanation, created_at)
    WITH {_RATE}, won AS MATERIALIZED (
        SELECT d.id, d.partner_id, d.won_amount, d.currency, d.closed_on, p.country, t.rebate_percent,
               eur.rate AS eur, CASE WHEN d.currency = 'USD' THEN 1 ELSE r.rate END AS rate
        {_WON_DEALS}
    ),
    region AS (
        SELECT *, round(won_amount * rate * 1.5 / 100, 2) AS amount
        FROM won WHERE rate IS NOT NULL AND closed_on >= %(region_start)s AND country = ANY(%(region)s)
    ),
    lines AS (
        SELECT %(tier)s AS program, id, partner_id, won_amount, currency, rate,
               round(won_amount * rate * rebate_percent / 100, 2) AS amount, 0 AS refused
        FROM won WHERE rate IS NOT NULL AND rebate_percent > 0
        UNION ALL
        SELECT %(region_program)s, id, partner_id, won_amount, currency, rate, paid, amount - paid
        FROM (SELECT region.*, LEAST(amount, GREATEST(
                  %(cap)s - (sum(amount) OVER (ORDER BY closed_on, id) - amount), 0)) AS paid FROM region) capped
        UNION ALL
        SELECT %(spiff_program)s, id, partner_id, won_amount, currency, rate, round(%(spiff)s * eur, 2), 0
        FROM won WHERE won_amount * rate >= %(min)s AND eur IS NOT NULL AND closed_on >= %(spiff_start)s
    )
    SELECT partner_id, program, id, 'accrual', 'accrued', amount, 'USD', won_amount, currency, rate, refused,
           'floor', now()
    FROM lines
"""  # noqa: S608 (constants only; every value is a parameter)


def _write_floor(params: dict) -> float:
    """The time of one hand-written INSERT … SELECT writing the same lines (numbers, no words) for three programs
    of its own, committed: what writing the lines costs the database itself, whoever computes them."""
    programs = [
        IncentiveProgram.objects.create(name=name, kind=ProgramKind.REBATE, starts_on=STARTS["tier"])
        for name in FLOOR_NAMES
    ]
    ids = dict(zip(("tier", "region_program", "spiff_program"), [p.pk for p in programs], strict=True))
    start = clock.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(WRITE_FLOOR, params | ids)
    return clock.perf_counter() - start


def _clean_up() -> None:
    """Remove what a run made (its programs, their lines, the statements it closed, their events) and VACUUM, so
    the next run writes into the table a real program would and the benchmark database stays as seeded."""
    programs = list(IncentiveProgram.objects.filter(name__in=NAMES).values_list("pk", flat=True))
    with connection.cursor() as cursor:  # (plain SQL: the ORM would load half a million lines to delete them)
        cursor.execute(
            "CREATE TEMP TABLE bench_statements AS SELECT DISTINCT statement_id AS id FROM incentives_accrual "
            "WHERE program_id = ANY(%s) AND statement_id IS NOT NULL",
            [programs],
        )
        cursor.execute("DELETE FROM incentives_accrual WHERE program_id = ANY(%s)", [programs])
        cursor.execute("DELETE FROM incentives_payoutstatement WHERE id IN (SELECT id FROM bench_statements)")
        cursor.execute("DROP TABLE bench_statements")
    OutboxEvent.objects.filter(name__in=["incentive_program.recomputed", "payout.generated"]).delete()
    IncentiveProgram.objects.filter(pk__in=programs).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE incentives_accrual")
        cursor.execute("VACUUM ANALYZE incentives_payoutstatement")


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """The database outside a test transaction: each recomputation commits as it does in the worker, so the time
    includes the foreign-key checks and the flush that happen at commit (inside a test transaction that is rolled
    back, deferred checks never run). What the runs made is removed afterwards."""
    with django_db_blocker.unblock():
        for name, rate in TIER_RATES.items():
            Tier.objects.filter(name=name).update(rebate_percent=Decimal(rate))
        _clean_up()  # a run interrupted before its clean-up
        yield
        _clean_up()


def test_program_recomputation_against_sql_and_the_payout_close(bench_summary, committed):
    finance = User.objects.filter(role="finance").first() or User.objects.create_user(
        username="bench-finance", email="bench-finance@vendor.example", password="x", role="finance"
    )
    sql, params = _floor_sql()
    fulls, floors, closes, write_floors = [], [], [], []
    for _ in range(RUNS):
        start = clock.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            expected = {program: (n, paid, refused) for program, n, paid, refused in cursor.fetchall()}
        floors.append(clock.perf_counter() - start)

        programs = _programs()
        start = clock.perf_counter()
        made = {key: program_recompute(program) for key, program in programs.items()}
        fulls.append(clock.perf_counter() - start)
        totals = {"n": Count("id"), "paid": Sum("amount"), "refused": Sum("capped_amount")}
        written = {key: Accrual.objects.filter(program=p).aggregate(**totals) for key, p in programs.items()}
        for key, total in written.items():
            assert (total["n"], total["paid"], total["refused"]) == expected[key], key
            assert made[key] == total["n"]
        programs["region"].refresh_from_db()
        assert programs["region"].committed == CAP  # the history overruns the cap

        start = clock.perf_counter()
        closed = statements_generate(actor=finance, period_start=date(2024, 1, 1), period_end=date.today())
        closes.append(clock.perf_counter() - start)
        assert closed["lines"] == sum(made.values())
        print(
            f"\nrecomputed 3 programs: {sum(made.values()):,} lines ({made}) in {fulls[-1]:.2f} s; "
            f"floor {floors[-1]:.2f} s; payout close: {closed['created']:,} statements, "
            f"{closed['lines']:,} lines in {closes[-1]:.2f} s"
        )
        _clean_up()
        write_floors.append(_write_floor(params))
        _clean_up()
    full, floor = min(fulls), min(floors)
    bench_summary("accruals_lines", sum(made.values()), "lines")
    bench_summary("accruals_full_s", full, "s")
    bench_summary("accruals_sql_baseline_s", floor, "s")
    report_target(bench_summary, "accruals_vs_sql_ratio", full / floor, "x", limit=3.0)
    bench_summary("accruals_write_floor_s", min(write_floors), "s")
    bench_summary("accruals_vs_write_floor_ratio", full / min(write_floors), "x")
    bench_summary("statements_partners", closed["created"], "statements")
    bench_summary("statements_s", min(closes), "s")


@pytest.mark.django_db
def test_pages_with_a_partner_picker(bench_summary):
    """The manager pages that pick one of the 10,000 partners (the leaderboard with its grant form, a new MDF fund):
    each writes a select of every partner (LargeSelect: one pass, not a template per option)."""
    manager = User.objects.filter(role="partner_manager").first()
    if manager is None:
        pytest.skip("no partner manager in the benchmark database (test_deals_bench makes one)")
    client = Client()
    client.force_login(manager)
    pages = {"leaderboard": reverse("manage:leaderboard"), "mdf_fund_new": reverse("manage:mdf-fund-create")}
    for name, url in pages.items():
        result = _measure(f"{name} (a select of every partner)", lambda url=url: _ok(client.get(url)), runs=20)
        _report(bench_summary, name, result)
