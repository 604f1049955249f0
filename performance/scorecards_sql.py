"""The full recalculation on PostgreSQL in one statement: every partner's scorecards of several periods computed and
upserted by the database, words included.

The Python engine (performance/engine.py) spends most of a full run outside the database: 10,000 partners are
10,000 rounds of KPIs, score, trend, health reasons and tier path in Python, then 10,000 rows sent back. Here the
same sources are embedded as they are (`engine.Source`: the same querysets, so one definition of every
condition) and everything after them is SQL: the folding into the program currency, the rounding (`round()` ties
away from zero, like ROUND_HALF_UP), the score, the words, the JSON. A row whose figures did not change is left as
it is (the upsert's WHERE), as the Python path's fingerprint does.

The Python engine stays the definition and the path for one partner (an event's recalculation) and for SQLite:
tests/performance/test_scorecards_sql.py runs both over the same partners and compares every stored column.
Rows written here carry an empty fingerprint, so the Python path rewrites such a row once the next time it
recalculates that partner."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from partners.models import Partner, PartnerStatus, Tier
from prm.money import minor_units

from . import engine
from .kpis import KPIS
from .models import Scorecard
from .periods import Period

#: The KPIs stored as strings of decimals (the engine keeps counts and the onboarding percentage whole).
_DECIMAL_KPIS = frozenset(key for key, kpi in KPIS.items() if kpi.unit not in ("count", "percent"))
#: Memory for the statement's sorts and hashes (the deals' grouping spills to disk with the default 4 MB).
WORK_MEM = "64MB"


def _literal(value) -> str:
    return connection.ops.compose_sql("%s", [value])


def _embedded(queryset, alias: str) -> str:
    """A values() queryset as a subquery whose columns are named as its keys."""
    query = queryset.query
    sql, params = query.sql_with_params()
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    columns = ", ".join(f'"{name}"' for name in names)
    return f"(SELECT * FROM ({connection.ops.compose_sql(sql, params)}) AS {alias}_q({columns}))"


def _rates(rates: dict[str, Decimal]) -> str:
    codes, values = zip(*sorted(rates.items()), strict=True) if rates else ((), ())
    pairs = f"unnest({_literal(list(codes))}::text[], {_literal(list(values))}::numeric[])"
    return f"(SELECT * FROM {pairs} AS r(currency, rate))"


def _precise(dividend: str) -> str:
    """A dividend with 30 decimals, so PostgreSQL divides to at least as many places as Python's 28 significant
    digits (its default is about 16): a rounded quotient then agrees with the Python engine's."""
    return f"round(({dividend})::numeric, 30)"


def _json_object(values: dict[str, str], *, quoted: bool) -> str:
    """A JSON object of numbers (quoted: as strings) built as text: several times cheaper than jsonb_build_object,
    and safe here because the keys are ours and the values are numbers."""
    quote = '"' if quoted else ""
    items = ", ', ', ".join(f"""'"{key}": {quote}', {value}, '{quote}'""" for key, value in values.items())
    return "concat('{', " + items + ", '}')"


def _snap(value: str) -> str:
    """engine.snap in SQL."""
    return f"round({value}, {engine.SNAP_PLACES})"


def _plural(count: str, noun: str) -> str:
    """engine._plural in SQL: "1 deal", "2 deals"."""
    return f"(({count})::text || CASE WHEN ({count}) = 1 THEN ' {noun}' ELSE ' {noun}s' END)"


def _money_text(amount: str) -> str:
    """engine.format_money in SQL: rounded to the minor unit, thousands separated, cents only when there are some."""
    rounded = f"round({amount}, {minor_units(settings.PRM_PROGRAM_CURRENCY)})"
    return (
        f"(CASE WHEN {rounded} = trunc({rounded}) THEN to_char({rounded}, 'FM999,999,999,999,999,999,990') "
        f"ELSE to_char({rounded}, 'FM999,999,999,999,999,999,990.00') END"
        f" || {_literal(' ' + settings.PRM_PROGRAM_CURRENCY)})"
    )


def _period_sql(n: int, period: Period, today: date, ref: engine.Reference, sources: dict) -> tuple[str, str]:
    """The CTEs of one period (suffix `_n`) and the SELECT of its scorecard rows."""
    deals, certs, nps, act, agr = (sources[k].wanted[period] for k in ("deals", "certs", "nps", "act", "agr"))
    rates = _rates(ref.rates(period.as_of(today)))
    units = minor_units(settings.PRM_PROGRAM_CURRENCY)
    as_of = period.as_of(today)
    previous = period.previous()
    sums = ",\n".join(
        f'sum(dc."{alias}" * r.rate) * 0.01 AS {name}' if name in engine.DEAL_MONEY else f'sum(dc."{alias}") AS {name}'
        for name, alias in deals.items()
    )

    total_weight, weighted = engine.score_plan(ref.rules, period.kind)
    # each weighted KPI's exact points (engine._score), worked out once in their own columns
    points = ", ".join(
        (
            f"100 * {_literal(weight)} * least({_precise('greatest(k.' + key + ', 0)')} / {_literal(scaled)}, 1)"
            f" / {_literal(total_weight)} AS points_{key}"
            if scaled > 0
            else f"100 * {_literal(weight)} / {_literal(total_weight)} AS points_{key}"
        )
        for key, weight, scaled in weighted
    )
    if total_weight == 0:
        score, contributions, points = "0.00", "'{}'", "0 AS no_points"
    else:
        score = f"least(round({_snap(' + '.join(f'k.points_{key}' for key, _, _ in weighted))}, 2), 100)"
        contributions = _json_object(
            {key: f"round({_snap(f'k.points_{key}')}, 2)" for key, _, _ in weighted}, quoted=True
        )
    kpi_json = (
        "concat('{', "
        + ", ', ', ".join(
            f"""'"{key}": "', w.{key}, '"'""" if key in _DECIMAL_KPIS else f"""'"{key}": ', w.{key}""" for key in KPIS
        )
        + ", '}')::jsonb"
    )
    changes = (
        "('{' || concat_ws(', ', "
        + ", ".join(f"""'"{key}": "' || (w.{key} - (w.prev_kpis ->> '{key}')::numeric) || '"'""" for key in KPIS)
        + ") || '}')::jsonb"
    )
    noun = engine.PERIOD_NOUNS[period.kind]
    inactivity = ref.inactivity_days
    reminder = settings.PRM_AGREEMENT_REMINDER_DAYS
    tz = _literal(settings.TIME_ZONE)
    elapsed = _literal(period.elapsed_fraction(today))
    falling, shrinking = _literal(engine.REGISTRATIONS_FALLING_RATIO), _literal(engine.PIPELINE_SHRINKING_RATIO)
    trailing_average = f"({_precise('k.registered_trailing')} / {engine.TRAILING_PERIODS})"
    expected = _snap(f"{trailing_average} * {elapsed}")
    velocity = _snap(f"{_precise('e.registered * e.average_exact * e.win_rate_exact')} / greatest(e.cycle_exact, 1)")
    sign_in_days = f"({_literal(as_of)}::date - (k.last_sign_in AT TIME ZONE {tz})::date)"

    ctes = f"""
    d_{n} AS (
        SELECT dc.partner_id, {sums}
        FROM deals dc LEFT JOIN {rates} r ON r.currency = dc.currency
        GROUP BY dc.partner_id
    ),
    rr_{n} AS (
        SELECT rc.partner_id, sum(rc.revenue * r.rate) AS repeat
        FROM "repeat" rc JOIN {rates} r ON r.currency = rc.currency
        WHERE rc.month::date BETWEEN {_literal(period.start)} AND {_literal(period.end)}
        GROUP BY rc.partner_id
    ),
    b_{n} AS (
        SELECT p.id AS partner_id, p.tier_id, p.joined_on,
            coalesce(d.registered, 0) AS registered, coalesce(d.approved, 0) AS approved,
            coalesce(d.won, 0) AS won, coalesce(d.lost, 0) AS lost, coalesce(d.revenue, 0) AS revenue,
            coalesce(d.cycle_days, 0) AS cycle_days, coalesce(d.pipeline, 0) AS pipeline,
            coalesce(d.pipeline_before, 0) AS pipeline_before,
            coalesce(d.registered_trailing, 0) AS registered_trailing,
            coalesce(d.ttm_won, 0) AS ttm_won, coalesce(d.ttm_revenue, 0) AS ttm_revenue,
            coalesce(rr.repeat, 0) AS repeat_exact,
            coalesce(c."{certs["active"]}", 0) AS cert_active, coalesce(c."{certs["users"]}", 0) AS cert_users,
            coalesce(c."{certs["active_before"]}", 0) AS cert_active_before,
            coalesce(c."{certs["lapsing"]}", 0) AS cert_lapsing,
            pl.partner_id IS NOT NULL AS has_plan, pl.progress_percent AS plan_progress,
            pl.completed_at IS NOT NULL AS plan_complete, pl.stuck_since AS plan_stuck_since,
            coalesce(od.n, 0) AS plan_overdue,
            coalesce(s."{nps["answers"]}", 0) AS nps_answers, coalesce(s."{nps["promoters"]}", 0) AS nps_promoters,
            coalesce(s."{nps["detractors"]}", 0) AS nps_detractors,
            coalesce(a."{act["engagement"]}", 0) AS engagement, coalesce(a."{act["accepted"]}", 0) AS accepted,
            coalesce(a."{act["answered"]}", 0) AS answered, a."{act["last_sign_in"]}" AS last_sign_in,
            g.partner_id IS NOT NULL AS has_agreements, g."{agr["in_force"]}" AS agr_in_force,
            g."{agr["expiring"]}" AS agr_expiring, g."{agr["open_ended_or_renewing"]}" AS agr_renewing,
            g."{agr["last_expired"]}" AS agr_last_expired,
            prev.partner_id IS NOT NULL AS has_prev, prev.score AS prev_score, prev.kpis AS prev_kpis
        FROM partners p
        LEFT JOIN d_{n} d ON d.partner_id = p.id
        LEFT JOIN rr_{n} rr ON rr.partner_id = p.id
        LEFT JOIN certs c ON c.partner_id = p.id
        LEFT JOIN plans pl ON pl.partner_id = p.id
        LEFT JOIN overdue od ON od.partner_id = p.id
        LEFT JOIN nps s ON s.partner_id = p.id
        LEFT JOIN act a ON a.partner_id = p.id
        LEFT JOIN agr g ON g.partner_id = p.id
        LEFT JOIN performance_scorecard prev ON prev.partner_id = p.id
            AND prev.period_kind = {_literal(previous.kind)} AND prev.period_start = {_literal(previous.start)}
    ),
    e_{n} AS (
        SELECT b.*,
            CASE WHEN b.won > 0 THEN {_precise("b.revenue")} / b.won ELSE 0 END AS average_exact,
            CASE WHEN b.won + b.lost > 0 THEN {_precise("b.won")} / (b.won + b.lost) ELSE 0 END AS win_rate_exact,
            CASE WHEN b.won > 0 THEN {_precise("b.cycle_days")} / b.won ELSE 0 END AS cycle_exact,
            least(b.repeat_exact, b.revenue) AS repeat_capped
        FROM b_{n} b OFFSET 0
    ),
    k_{n} AS (
        SELECT e.*,
            e.registered AS deals_registered, e.approved AS deals_approved, e.won AS deals_won, e.lost AS deals_lost,
            round(e.revenue, {units}) AS revenue_won,
            round(e.average_exact, {units}) AS average_deal_size,
            round(e.win_rate_exact, 4) AS win_rate,
            round(e.cycle_exact, 1) AS average_sales_cycle_days,
            round({velocity}, {units})
                AS sales_velocity,
            round(e.pipeline, {units}) AS open_pipeline,
            round(e.revenue - e.repeat_capped, {units}) AS net_new_revenue,
            round(e.repeat_capped, {units}) AS repeat_revenue,
            CASE WHEN e.answered > 0 THEN round(e.accepted::numeric / e.answered, 4) ELSE 0.0000 END
                AS lead_acceptance_rate,
            e.cert_active AS active_certifications, e.cert_users AS certified_users,
            CASE WHEN e.has_plan THEN e.plan_progress ELSE 100 END AS onboarding_progress,
            CASE WHEN e.nps_answers > 0
                THEN round(100 * (e.nps_promoters - e.nps_detractors)::numeric / e.nps_answers, 1) ELSE 0.0 END
                AS satisfaction_index,
            e.engagement AS portal_engagement,
            round(e.ttm_revenue, {units}) AS ttm_revenue_money
        FROM e_{n} e OFFSET 0
    ),
    pt_{n} AS (SELECT k.*, {points} FROM k_{n} k OFFSET 0),
    s_{n} AS (
        SELECT k.*, {score} AS score, {contributions}::jsonb AS contributions,
            to_jsonb(array_remove(ARRAY[
                CASE WHEN {expected} >= 1 AND k.registered < {expected} * {falling}
                THEN jsonb_build_object('code', 'registrations_falling', 'text',
                    {_plural("k.registered", "deal")} || ' registered this {noun}, under half the pace of the '
                    || 'previous three (an average of ' || round({trailing_average}, 1)::text || ' per {noun}).')
                END,
                CASE WHEN k.pipeline_before > 0 AND k.pipeline < k.pipeline_before * {shrinking}
                THEN jsonb_build_object('code', 'pipeline_shrinking', 'text',
                    'Open pipeline fell from ' || {_money_text("k.pipeline_before")} || ' to '
                    || {_money_text("k.pipeline")} || ' since the previous {noun} ended.')
                END,
                CASE WHEN k.cert_lapsing > 0
                THEN jsonb_build_object('code', 'certifications_lapsing', 'text',
                    {_plural("k.cert_lapsing", "certification")}
                    || ' expire within {engine.CERTIFICATIONS_LAPSING_DAYS} days.')
                WHEN k.cert_active < k.cert_active_before
                THEN jsonb_build_object('code', 'certifications_lapsing', 'text',
                    'Active certifications fell from ' || k.cert_active_before || ' to ' || k.cert_active || '.')
                END,
                CASE WHEN k.last_sign_in IS NULL AND {_literal(as_of)}::date - k.joined_on >= {inactivity}
                THEN jsonb_build_object('code', 'no_sign_ins', 'text',
                    'No one has signed in for at least {inactivity} days.')
                WHEN k.last_sign_in IS NOT NULL AND {sign_in_days} >= {inactivity}
                THEN jsonb_build_object('code', 'no_sign_ins', 'text',
                    'No one has signed in for ' || {sign_in_days} || ' days.')
                END,
                CASE WHEN k.has_plan AND NOT k.plan_complete AND k.plan_overdue > 0
                THEN jsonb_build_object('code', 'onboarding_overdue', 'text',
                    {_plural("k.plan_overdue", "onboarding step")} || ' overdue (' || k.plan_progress || '% done).')
                END
            ]::jsonb[], NULL)) AS health_reasons,
            to_jsonb(array_remove(ARRAY[
                CASE WHEN ct.id IS NOT NULL AND k.cert_users < ct.min_certified_users
                THEN jsonb_build_object('code', 'certified_users_below_tier', 'text',
                    {_plural("k.cert_users", "certified user")} || '; ' || ct.name || ' requires '
                    || ct.min_certified_users || '.')
                END,
                CASE WHEN k.has_agreements AND k.agr_in_force = 0 AND k.agr_last_expired IS NOT NULL
                THEN jsonb_build_object('code', 'agreement_expired', 'text',
                    'No agreement in force: the last one expired on ' || k.agr_last_expired::text || '.')
                WHEN k.has_agreements AND k.agr_expiring > 0 AND k.agr_renewing = 0
                THEN jsonb_build_object('code', 'agreement_expiring', 'text',
                    {_plural("k.agr_expiring", "agreement")} || ' expiring within {reminder} days, none renewing.')
                END,
                CASE WHEN k.has_plan AND NOT k.plan_complete AND k.plan_stuck_since IS NOT NULL
                THEN jsonb_build_object('code', 'onboarding_stalled', 'text',
                    'Onboarding stalled since ' || k.plan_stuck_since::text || ' (' || k.plan_progress || '% done).')
                END
            ]::jsonb[], NULL)) AS compliance_flags,
            ct.id AS current_id, ct.name AS current_name, ct.rank AS current_rank,
            rt.id AS recommended_id, rt.name AS recommended_name, rt.rank AS recommended_rank
        FROM pt_{n} k
        LEFT JOIN tiers ct ON ct.id = k.tier_id
        LEFT JOIN LATERAL (
            SELECT t.* FROM tiers t
            WHERE k.ttm_revenue_money >= t.min_revenue AND k.ttm_won >= t.min_won_deals
                AND k.cert_users >= t.min_certified_users
            ORDER BY t.rank DESC LIMIT 1
        ) rt ON true
        OFFSET 0
    ),
    p_{n} AS (
        SELECT s.*, tg.id AS target_id, tg.name AS target_name,
            CASE WHEN s.current_id IS NOT NULL AND (s.recommended_id IS NULL OR s.current_rank > s.recommended_rank)
                THEN 'keep' ELSE 'reach' END AS goal,
            CASE WHEN s.cert_users < tg.min_certified_users THEN tg.min_certified_users - s.cert_users END AS users_gap,
            CASE WHEN s.ttm_won < tg.min_won_deals THEN tg.min_won_deals - s.ttm_won END AS won_gap,
            CASE WHEN s.ttm_revenue_money < tg.min_revenue
                THEN round(tg.min_revenue - s.ttm_revenue_money, {units}) END AS revenue_gap
        FROM s_{n} s
        LEFT JOIN LATERAL (
            SELECT t.* FROM tiers t
            WHERE CASE WHEN s.current_id IS NOT NULL
                    AND (s.recommended_id IS NULL OR s.current_rank > s.recommended_rank)
                THEN t.id = s.current_id
                ELSE t.rank > greatest(coalesce(s.recommended_rank, -1), coalesce(s.current_rank, -1)) END
            ORDER BY t.rank LIMIT 1
        ) tg ON true
        OFFSET 0
    ),
    m_{n} AS (
        SELECT p.*,
            p.users_gap || ' more certified ' || CASE WHEN p.users_gap = 1 THEN 'user' ELSE 'users' END AS users_text,
            p.won_gap || ' more won ' || CASE WHEN p.won_gap = 1 THEN 'deal' ELSE 'deals' END AS won_text,
            {_money_text("p.revenue_gap")} || ' more won revenue' AS revenue_text
        FROM p_{n} p OFFSET 0
    ),
    w_{n} AS (
        SELECT m.*, array_remove(ARRAY[m.users_text, m.won_text, m.revenue_text], NULL) AS parts FROM m_{n} m OFFSET 0
    )"""

    select = f"""
    SELECT {n} AS period_order, w.partner_id, {_literal(period.kind)} AS period_kind,
        {_literal(period.start)}::date AS period_start, {_literal(period.end)}::date AS period_end,
        w.score, w.revenue_won, w.open_pipeline, w.deals_won::integer AS deals_won,
        {kpi_json} AS kpis, w.contributions,
        CASE WHEN w.has_prev THEN jsonb_build_object(
            'previous_score', w.prev_score::text, 'score_change', (w.score - w.prev_score)::text,
            'kpis', {changes})
        ELSE '{{"previous_score": null, "score_change": null, "kpis": {{}}}}'::jsonb END AS trend,
        (ARRAY['green', 'amber', 'red'])[least(jsonb_array_length(w.health_reasons), 2) + 1] AS health_status,
        (ARRAY['low', 'medium', 'high'])[least(jsonb_array_length(w.health_reasons), 2) + 1] AS churn_risk,
        w.health_reasons, w.compliance_flags, w.recommended_id AS recommended_tier_id,
        CASE WHEN w.target_id IS NULL THEN jsonb_build_object(
            'next_tier', NULL, 'goal', 'top', 'missing', '[]'::jsonb,
            'text', CASE WHEN coalesce(w.current_name, w.recommended_name, '') <> ''
                THEN coalesce(w.current_name, w.recommended_name)
                    || ' is the highest tier, and the trailing twelve months meet it.'
                ELSE '' END)
        ELSE jsonb_build_object(
            'next_tier', jsonb_build_object('id', w.target_id, 'name', w.target_name),
            'goal', w.goal,
            'missing', to_jsonb(array_remove(ARRAY[
                CASE WHEN w.users_gap IS NOT NULL THEN jsonb_build_object(
                    'kpi', 'certified_users', 'amount', w.users_gap::text, 'text', w.users_text) END,
                CASE WHEN w.won_gap IS NOT NULL THEN jsonb_build_object(
                    'kpi', 'deals_won', 'amount', w.won_gap::text, 'text', w.won_text) END,
                CASE WHEN w.revenue_gap IS NOT NULL THEN jsonb_build_object(
                    'kpi', 'revenue_won', 'amount', w.revenue_gap::text, 'text', w.revenue_text) END
            ]::jsonb[], NULL)),
            'text', CASE cardinality(w.parts)
                WHEN 0 THEN 'You meet every requirement of ' || w.target_name
                    || '; the change is proposed at the next recalculation.'
                ELSE CASE cardinality(w.parts)
                        WHEN 1 THEN w.parts[1]
                        WHEN 2 THEN w.parts[1] || ' and ' || w.parts[2]
                        ELSE w.parts[1] || ', ' || w.parts[2] || ' and ' || w.parts[3] END
                    || ' to ' || w.goal || ' ' || w.target_name || ' (over the trailing twelve months).'
            END)
        END AS tier_path
    FROM w_{n} w"""
    return ctes, select


def _sources(periods: list[Period], today: date) -> dict[str, engine.Source]:
    return {
        "deals": engine.deal_source(periods, today, cents=True),
        "repeat": engine.repeat_source(periods),
        "certs": engine.certification_source(periods, today),
        "plans": engine.plan_source(),
        "overdue": engine.overdue_step_source(today),
        "nps": engine.satisfaction_source(periods, today),
        "act": engine.activity_source(periods, today),
        "agr": engine.agreement_source(periods, today),
    }


#: The sources read first, each into a temporary table by a CREATE TABLE AS that may use parallel workers (the
#: statement that writes the scorecards cannot): the passes over the deals are most of a full run's reading.
_PRELOADED = ("deals", "repeat", "act")


def _partners():
    return Partner.objects.exclude(status=PartnerStatus.CHURNED).values("id", "tier_id", "joined_on").order_by()


def _computing(periods: list[Period], today: date, ref: engine.Reference, sources: dict[str, engine.Source]) -> str:
    """`WITH …, computed AS (…)`: every scorecard row of the periods, ready to be written (or read by a test)."""
    tiers = Tier.objects.values("id", "name", "rank", "min_revenue", "min_won_deals", "min_certified_users")
    shared = [
        f"partners AS MATERIALIZED {_embedded(_partners(), 'partners')}",
        f"tiers AS {_embedded(tiers, 'tiers')}",
        *(
            f'"{name}" AS (SELECT * FROM scorecard_{name})'
            if name in _PRELOADED
            else f"{name} AS MATERIALIZED {_embedded(source.build(None), name)}"
            for name, source in sources.items()
            if name != "overdue"
        ),
        "overdue AS MATERIALIZED"
        f" (SELECT plan__partner_id AS partner_id, n FROM {_embedded(sources['overdue'].build(None), 'o')} o)",
    ]
    ctes, selects = [], []
    for n, period in enumerate(periods):
        period_ctes, select = _period_sql(n, period, today, ref, sources)
        ctes.append(period_ctes)
        selects.append(select)
    return f"""WITH {", ".join(shared)}, {", ".join(ctes)},
    computed AS ({" UNION ALL ".join(selects)}),"""


def _preload(cursor, sources: dict[str, engine.Source]) -> tuple[str, str]:
    """Settings for the run (returns the ones it replaces) and the read-first sources."""
    cursor.execute("SELECT current_setting('jit'), current_setting('work_mem')")
    replaced = cursor.fetchone()
    # jit off: the planner's row estimates through a dozen grouped CTEs are far too high, and it would spend
    # seconds compiling a statement that runs in about one
    cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)", [WORK_MEM])
    for name in _PRELOADED:
        cursor.execute(
            f"CREATE TEMPORARY TABLE scorecard_{name} ON COMMIT DROP AS {_embedded(sources[name].build(None), name)}"
        )
    return replaced


def _unload(cursor, replaced: tuple[str, str]) -> None:
    """Drop the read-first tables and give the rest of the caller's transaction its settings back."""
    cursor.execute(f"DROP TABLE {', '.join(f'scorecard_{name}' for name in _PRELOADED)}")
    cursor.execute("SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)", list(replaced))


def write_periods(
    periods: list[Period],
    *,
    today: date | None = None,
    ref: engine.Reference | None = None,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Compute and upsert the scorecards of `periods` for every partner but churned ones, in one transaction (or
    the caller's). Returns (rows computed, rows written): an unchanged row is not rewritten."""
    today = today or timezone.localdate()
    ref = ref or engine.Reference.load()
    now = now or timezone.now()
    sources = _sources(periods, today)
    computing = _computing(periods, today, ref, sources)
    compared = (
        "score, kpis, contributions, trend, health_status, churn_risk, health_reasons, compliance_flags, "
        "recommended_tier_id, tier_path, period_end"
    )
    columns = (
        "partner_id, period_kind, period_start, period_end, computed_at, score, revenue_won, open_pipeline, "
        "deals_won, kpis, contributions, trend, health_status, churn_risk, health_reasons, compliance_flags, "
        "recommended_tier_id, tier_path, fingerprint"
    )
    table = Scorecard._meta.db_table
    sql = f"""
    {computing}
    written AS (
        INSERT INTO {table} ({columns})
        SELECT partner_id, period_kind, period_start, period_end, {_literal(now)}, score, revenue_won,
            open_pipeline, deals_won, kpis, contributions, trend, health_status, churn_risk, health_reasons,
            compliance_flags, recommended_tier_id, tier_path, ''
        FROM computed ORDER BY period_order, partner_id
        ON CONFLICT (partner_id, period_kind, period_start) DO UPDATE SET
            computed_at = EXCLUDED.computed_at, revenue_won = EXCLUDED.revenue_won,
            open_pipeline = EXCLUDED.open_pipeline, deals_won = EXCLUDED.deals_won, fingerprint = '',
            {", ".join(f"{column} = EXCLUDED.{column}" for column in compared.split(", "))}
        WHERE ({", ".join(f"{table}.{column}" for column in compared.split(", "))})
            IS DISTINCT FROM ({", ".join(f"EXCLUDED.{column}" for column in compared.split(", "))})
        RETURNING 1
    )
    SELECT count(*) FROM written
    """
    with transaction.atomic(), connection.cursor() as cursor:
        replaced = _preload(cursor, sources)
        cursor.execute(sql)
        (written,) = cursor.fetchone()
        _unload(cursor, replaced)
    return _partners().count() * len(periods), written
