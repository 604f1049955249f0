"""The scorecards' share of the benchmark data set (`manage.py seed_bench` calls it after the deals): what the
leading indicators count, at the scale of the deals.

For the 10,000 bench partners: three users each, five courses and about three certifications per partner (some
expired, some expiring within a month), an onboarding plan with its steps (unfinished and sometimes overdue or
stalled for partners still onboarding), one agreement (some expired or expiring), about twenty activity rows
(sign-ins, downloads, lead answers) spread over fifteen months with the leads they answered, a satisfaction survey
per quarter for the last five quarters with about one answer per partner, exchange rates for the deals'
currencies, and tier requirements so the recommendation has something to decide.

Rows are streamed with COPY and skip the services (no audit rows, no outbox events) but keep every database
rule. Each part tops up: it adds rows only for partners (or surveys) that have none yet, in one transaction per
part, so an interrupted run is finished by the next one."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction

from partners.models import Tier
from performance.periods import Period

MEMBERS = 3  # users per partner (the first is its partner admin)
COURSES = ["Sales foundations", "Technical presales", "Implementation", "Security specialist", "Renewals"]
RATES = {"EUR": "1.08", "GBP": "1.27", "JPY": "0.0067", "AUD": "0.66", "INR": "0.012"}
#: (name, minimum trailing-twelve-month revenue in the program currency, won deals, certified users)
TIER_REQUIREMENTS = [
    ("Registered", 0, 0, 0),
    ("Silver", 1_000_000, 5, 1),
    ("Gold", 3_000_000, 12, 2),
    ("Platinum", 5_000_000, 20, 3),
]
TEMPLATE_STEPS = [  # (title, owner, requires a course, requires a document, days after the start it is due)
    ("Sign the partner agreement", "partner", False, True, 7),
    ("Kick-off call with your partner manager", "vendor", False, False, 10),
    ("Complete the sales certification", "partner", True, False, 30),
    ("Fill in the company profile", "partner", False, False, 14),
    ("Register a first deal", "partner", False, False, 45),
]
ACTIVITY_KINDS = [("sign_in", 10), ("download", 6), ("lead_accepted", 2), ("lead_declined", 1), ("lead_lapsed", 1)]
NPS_WEIGHTS = [1, 1, 1, 1, 2, 3, 5, 8, 12, 10, 8]  # answers 0..10
ACTIVITY_DAYS = 456  # fifteen months
N = r"\N"


def seed_performance(stdout, rng: random.Random, today: date) -> None:
    now = datetime.now(UTC)
    partners = _bench_partners()
    if not partners:
        return
    _exchange_rates(stdout, today)
    _tier_requirements(stdout)
    members = _members(stdout, partners, now)
    courses = _courses(stdout, now)
    _certifications(stdout, rng, partners, members, courses, today)
    _onboarding(stdout, rng, partners, members, courses, today, now)
    _agreements(stdout, rng, partners, today, now)
    _activity_and_leads(stdout, rng, partners, members, today, now)
    _surveys(stdout, rng, partners, members, today, now)
    with connection.cursor() as cursor:
        for table in (
            "accounts_user",
            "onboarding_certification",
            "onboarding_onboardingplan",
            "onboarding_onboardingstep",
            "partners_agreement",
            "performance_partneractivity",
            "deals_lead",
            "partners_surveyresponse",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _bench_partners() -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, domain, country, partner_type, status, joined_on FROM partners_partner "
            "WHERE domain LIKE '%%.bench.example' ORDER BY id"
        )
        return [
            {"id": pid, "key": domain.split(".")[0], "country": country, "type": kind, "status": status, "joined": j}
            for pid, domain, country, kind, status, j in cursor.fetchall()
        ]


def _copy(table: str, columns: str, lines: list[str]) -> None:
    if lines:
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO("".join(lines)))


def _having(table: str, column: str = "partner_id") -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT {column} FROM {table}")  # noqa: S608 (our own table names)
        return {row[0] for row in cursor.fetchall()}


def _ts(moment: datetime) -> str:
    return moment.isoformat()


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(8), tzinfo=UTC) + timedelta(seconds=rng.randint(0, 10 * 3600))


# --- reference data ------------------------------------------------------------------------------------------


def _exchange_rates(stdout, today: date) -> None:
    with connection.cursor() as cursor:
        for currency, rate in RATES.items():
            cursor.execute(
                "INSERT INTO deals_exchangerate (currency, rate, valid_from, created_at) VALUES (%s, %s, %s, now()) "
                "ON CONFLICT DO NOTHING",
                [currency, Decimal(rate), today - timedelta(days=800)],
            )


def _tier_requirements(stdout) -> None:
    for name, revenue, won, certified in TIER_REQUIREMENTS:
        Tier.objects.filter(name=name, min_revenue=0, min_won_deals=0, min_certified_users=0).update(
            min_revenue=Decimal(revenue), min_won_deals=won, min_certified_users=certified
        )


def _members(stdout, partners: list[dict], now: datetime) -> dict[int, list[int]]:
    """{partner id: [user ids]}: MEMBERS users per partner, the first its partner admin."""
    from django.contrib.auth.hashers import make_password

    from .seed_bench import BENCH_PASSWORD

    with connection.cursor() as cursor:
        cursor.execute("SELECT email FROM accounts_user WHERE email LIKE 'member%%@bench.example'")
        have = {row[0] for row in cursor.fetchall()}
    password = make_password(BENCH_PASSWORD)
    lines = []
    for p in partners:
        for k in range(MEMBERS):
            email = f"member{k}.{p['key']}@bench.example"
            if email in have:
                continue
            role = "partner_admin" if k == 0 else "partner_rep"
            lines.append(
                f"{password}\tf\t{email}\tMember{k}\t{p['key']}\tf\tt\t{_ts(now)}\t{email}\t{role}\t\t{p['id']}\n"
            )
    with transaction.atomic():
        _copy(
            "accounts_user",
            "password, is_superuser, username, first_name, last_name, is_staff, is_active, date_joined, email, role, "
            "title, partner_id",
            lines,
        )
    if lines:
        stdout.write(f"  partner users: +{len(lines)}")
    members: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partner_id, id FROM accounts_user WHERE email LIKE 'member%%@bench.example' ORDER BY email"
        )
        for pid, uid in cursor.fetchall():
            members.setdefault(pid, []).append(uid)
    return members


def _courses(stdout, now: datetime) -> list[int]:
    with transaction.atomic(), connection.cursor() as cursor:
        ids = []
        for title in COURSES:
            cursor.execute("SELECT id FROM onboarding_course WHERE title = %s ORDER BY id LIMIT 1", [title])
            row = cursor.fetchone()
            if row is None:
                cursor.execute(
                    "INSERT INTO onboarding_course (audience_partner_types, audience_countries, title, description, "
                    "pass_mark_percent, validity_months, published, created_at, updated_at) "
                    "VALUES ('', '', %s, '', 80, 12, true, %s, %s) RETURNING id",
                    [title, now, now],
                )
                row = cursor.fetchone()
            ids.append(row[0])
        return ids


# --- certifications, onboarding, agreements ------------------------------------------------------------------


def _certifications(stdout, rng, partners, members, courses, today: date) -> None:
    """About three per partner: issued over the last eighteen months, valid a year, so about a third have
    expired and a few expire within the next thirty days."""
    have = _having("onboarding_certification")
    lines = []
    for p in partners:
        users = members.get(p["id"], [])
        if p["id"] in have or not users:
            continue
        pairs = [(u, c) for u in users for c in courses]
        for user, course in rng.sample(pairs, k=min(len(pairs), rng.choice((1, 2, 3, 3, 3, 4, 5)))):
            issued = today - timedelta(days=rng.randint(0, 540))
            expires = issued + timedelta(days=365)
            lines.append(f"{_iso(issued)}\t{_iso(expires)}\t{rng.randint(80, 100)}\t{p['id']}\t{user}\t{course}\n")
    with transaction.atomic():
        _copy("onboarding_certification", "issued_on, expires_on, score, partner_id, user_id, course_id", lines)
    stdout.write(f"  certifications: +{len(lines)}")


def _templates(courses: list[int], now: datetime) -> dict[str, int]:
    from partners.models import PartnerType

    with connection.cursor() as cursor:
        cursor.execute("SELECT partner_type, id FROM onboarding_onboardingtemplate")
        templates = dict(cursor.fetchall())
        for kind in PartnerType:
            if kind.value in templates:
                continue
            cursor.execute(
                "INSERT INTO onboarding_onboardingtemplate (name, partner_type, description, created_at, updated_at) "
                "VALUES (%s, %s, '', %s, %s) RETURNING id",
                [f"{kind.label} onboarding", kind.value, now, now],
            )
            templates[kind.value] = cursor.fetchone()[0]
            for order, (title, owner, course, document, due) in enumerate(TEMPLATE_STEPS):
                cursor.execute(
                    'INSERT INTO onboarding_onboardingtemplatestep ("order", title, description, owner, '
                    "requires_document, due_offset_days, required_course_id, template_id) "
                    "VALUES (%s, %s, '', %s, %s, %s, %s, %s)",
                    [order, title, owner, document, due, courses[0] if course else None, templates[kind.value]],
                )
    return templates


def _onboarding(stdout, rng, partners, members, courses, today: date, now: datetime) -> None:
    """A plan per partner: finished a month after joining for active partners; for partners still onboarding,
    part done, with overdue steps for some and stalled for a few."""
    with transaction.atomic():
        templates = _templates(courses, now)
        have = _having("onboarding_onboardingplan")
        todo = [p for p in partners if p["id"] not in have]
        plan_lines, steps_of = [], {}
        for p in todo:
            start = p["joined"]
            done_steps = len(TEMPLATE_STEPS)
            completed = stuck = N
            last_progress = min(_at(min(start + timedelta(days=30), today), rng), now)
            if p["status"] == "onboarding":
                done_steps = rng.randint(0, len(TEMPLATE_STEPS) - 1)
                last_progress = min(_at(max(start, today - timedelta(days=rng.randint(0, 40))), rng), now)
                if (today - last_progress.date()).days >= 14:
                    stuck = _iso(last_progress.date() + timedelta(days=14))
            else:
                completed = _ts(last_progress)
            progress = round(100 * done_steps / len(TEMPLATE_STEPS))
            plan_lines.append(
                f"{_iso(start)}\t{progress}\t{completed}\t{_ts(last_progress)}\t{stuck}\t{_ts(now)}\t{p['id']}\t"
                f"{templates[p['type']]}\n"
            )
            steps_of[p["id"]] = (start, done_steps, last_progress)
        _copy(
            "onboarding_onboardingplan",
            "started_on, progress_percent, completed_at, last_progress_at, stuck_since, created_at, partner_id, "
            "template_id",
            plan_lines,
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT partner_id, id FROM onboarding_onboardingplan")
            plan_of = dict(cursor.fetchall())
        step_lines = []
        for pid, (start, done_steps, last_progress) in steps_of.items():
            user = (members.get(pid) or [None])[0]
            for order, (title, owner, course, document, due) in enumerate(TEMPLATE_STEPS):
                done = order < done_steps
                step_lines.append(
                    f"{order}\t{title}\t\t{owner}\t{'t' if document else 'f'}\t{_iso(start + timedelta(days=due))}\t"
                    f"{'done' if done else 'open'}\t\t{'signed.pdf' if done and document else ''}\t"
                    f"{_ts(last_progress) if done else N}\t{N}\t{user if done and user else N}\t{plan_of[pid]}\t"
                    f"{courses[0] if course else N}\n"
                )
        _copy(
            "onboarding_onboardingstep",
            '"order", title, description, owner, requires_document, due_on, status, document, document_name, '
            "completed_at, last_reminded_on, completed_by_id, plan_id, required_course_id",
            step_lines,
        )
    stdout.write(f"  onboarding plans: +{len(plan_lines)} ({len(step_lines)} steps)")


def _agreements(stdout, rng, partners, today: date, now: datetime) -> None:
    """One reseller agreement each: most open-ended or renewing, about one in ten expired, one in twenty
    expiring within the reminder window without renewal."""
    have = _having("partners_agreement")
    lines = []
    for p in partners:
        if p["id"] in have:
            continue
        start = p["joined"]
        roll = rng.random()
        renew = "f"
        if roll < 0.10:
            expires = _iso(max(start, today - timedelta(days=rng.randint(1, 200))))
        elif roll < 0.15:
            expires = _iso(today + timedelta(days=rng.randint(1, 25)))
        elif roll < 0.55:
            expires, renew = _iso(today + timedelta(days=rng.randint(30, 700))), "t"
        else:
            expires = N
        lines.append(
            f"reseller\tReseller agreement\tRA-{p['key']}\t{_iso(start)}\t{_iso(start)}\t{expires}\t{renew}\t\t"
            f"{_ts(now)}\t{_ts(now)}\t{p['id']}\n"
        )
    with transaction.atomic():
        _copy(
            "partners_agreement",
            "kind, title, reference, signed_on, starts_on, expires_on, auto_renew, notes, created_at, updated_at, "
            "partner_id",
            lines,
        )
    stdout.write(f"  agreements: +{len(lines)}")


# --- activity, leads, surveys --------------------------------------------------------------------------------


def _activity_and_leads(stdout, rng, partners, members, today: date, now: datetime) -> None:
    """About twenty rows per partner over fifteen months; one partner in twenty has gone quiet (nothing in the
    last four months). Each lead answer comes with its lead: accepted ones assigned to the partner, declined or
    lapsed ones back in the pool with the partner in `declined_by`."""
    have = _having("performance_partneractivity")
    kinds = [kind for kind, weight in ACTIVITY_KINDS for _ in range(weight)]
    activity, leads = [], []
    for n, p in enumerate(partners):
        if p["id"] in have:
            continue
        users = members.get(p["id"]) or [None]
        quiet = n % 20 == 0
        for _ in range(rng.randint(10, 30)):
            day = today - timedelta(days=rng.randint(120 if quiet else 0, ACTIVITY_DAYS))
            at = min(_at(day, rng), now)
            kind = rng.choice(kinds)
            user = rng.choice(users) if kind in ("sign_in", "download") else users[0]
            activity.append(f"{kind}\t{_ts(at)}\t{N}\t{p['id']}\t{user if user else N}\n")
            if kind.startswith("lead_"):
                leads.append(_lead_line(rng, p, kind, at))
    with transaction.atomic():
        _copy("performance_partneractivity", "kind, at, event_id, partner_id, user_id", activity)
        _copy(
            "deals_lead",
            "customer_name, customer_domain, country, partner_type, contact_name, contact_email, products, "
            "estimated_amount, currency, description, status, offered_at, respond_by, responded_at, declined_by, "
            "decline_reason, created_at, updated_at, partner_id",
            leads,
        )
    stdout.write(f"  activity: +{len(activity)} (with {len(leads)} leads)")


def _lead_line(rng, p: dict, kind: str, at: datetime) -> str:
    from .seed_bench import CURRENCY, WORDS_A, WORDS_B

    name = f"{rng.choice(WORDS_A).title()} {rng.choice(WORDS_B).title()} {rng.randint(1, 9999)}"
    offered = at - timedelta(days=rng.randint(1, 4))
    amount = Decimal(rng.randrange(500_000, 20_000_000)) / 100
    currency = CURRENCY.get(p["country"], "USD")
    if kind == "lead_accepted":
        status, partner, declined, responded = rng.choice(("accepted", "converted")), p["id"], "[]", _ts(at)
    else:
        status, partner, declined = "new", N, json.dumps([p["id"]])
        responded = _ts(at) if kind == "lead_declined" else N
    reason = "Not our market" if kind == "lead_declined" else ""
    return (
        f"{name}\t\t{p['country']}\t\t\t\t\t{amount}\t{currency}\t\t{status}\t{_ts(offered)}\t"
        f"{_ts(offered + timedelta(days=5))}\t{responded}\t{declined}\t{reason}\t{_ts(offered)}\t{_ts(at)}\t{partner}\n"
    )


def _surveys(stdout, rng, partners, members, today: date, now: datetime) -> None:
    """A satisfaction survey for each of the last five quarters, open from the 15th day for a month, answered by
    about nine partners in ten (one user each)."""
    quarter = Period.containing("quarter", today)
    added = 0
    for back in range(4, -1, -1):
        period = quarter.shifted(-back)
        opens, closes = period.start + timedelta(days=14), period.start + timedelta(days=44)
        if opens > today:
            continue
        title = f"Partner satisfaction {period.label}"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT id FROM partners_survey WHERE title = %s", [title])
            row = cursor.fetchone()
            if row is None:
                cursor.execute(
                    "INSERT INTO partners_survey (title, question, opens_on, closes_on, created_at, updated_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                    [title, _nps_question(), opens, closes, now, now],
                )
                row = cursor.fetchone()
            survey = row[0]
            cursor.execute("SELECT count(*) FROM partners_surveyresponse WHERE survey_id = %s", [survey])
            if cursor.fetchone()[0]:
                continue
            last = min(closes, today)
            lines = []
            for p in partners:
                users = members.get(p["id"])
                if not users or rng.random() >= 0.9:
                    continue
                at = min(_at(opens + timedelta(days=rng.randint(0, (last - opens).days)), rng), now)
                score = rng.choices(range(11), weights=NPS_WEIGHTS)[0]
                lines.append(f"{score}\t\t{_ts(at)}\t{p['id']}\t{survey}\t{rng.choice(users)}\n")
            _copy("partners_surveyresponse", "score, comment, created_at, partner_id, survey_id, user_id", lines)
            added += len(lines)
    stdout.write(f"  survey answers: +{added}")


def _nps_question() -> str:
    from partners.models.engage import NPS_QUESTION

    return NPS_QUESTION


def _iso(day: date) -> str:
    return day.isoformat()
