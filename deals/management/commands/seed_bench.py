"""The benchmark data set: 10,000 partners, 200,000 distinct customers and 1,000,000 deals, fast.

PostgreSQL only: customers and deals are streamed with COPY (a few minutes for a million deals, most of it
index maintenance); partners and users use bulk_create in big batches. The data skips the services on
purpose (no audit rows, no outbox events) but keeps every database rule: one approved deal per customer,
positive amounts, statuses with their dates. Competing registrations (DealConflict) are derived in SQL. What the
scorecards count besides deals (users, certifications, onboarding, agreements, activity and leads, surveys) comes
from _seed_bench_performance.py.

Refuses to write to a database whose name does not contain "bench" (pass --force to override), so a
benchmark never lands in a real program. Re-running tops the data up to the requested size."""

from __future__ import annotations

import io
import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from deals.conflicts import normalize_name
from partners.models import Partner, PartnerStatus, PartnerType, Tier
from prm.accounts.models import User
from prm.accounts.roles import Role

from ._seed_bench_performance import seed_performance

BENCH_PASSWORD = "bench-password-2026"  # noqa: S105  (a throwaway benchmark database)
BENCH_MANAGER = "manager@bench.example"
COUNTRIES = ["US", "GB", "DE", "FR", "NL", "IN", "AU", "BR", "JP", "CA", "ES", "SE", "SG", "ZA"]
CURRENCY = {"GB": "GBP", "DE": "EUR", "FR": "EUR", "NL": "EUR", "ES": "EUR", "JP": "JPY", "AU": "AUD", "IN": "INR"}
STATUS_WEIGHTS = [("submitted", 5), ("rejected", 10), ("won", 30), ("lost", 25), ("expired", 15), ("approved", 15)]
WORDS_A = [
    "alpha",
    "apex",
    "arc",
    "atlas",
    "aurora",
    "beacon",
    "birch",
    "blue",
    "bolt",
    "bright",
    "cedar",
    "cobalt",
    "comet",
    "coral",
    "crest",
    "crystal",
    "delta",
    "ember",
    "falcon",
    "fern",
    "flint",
    "forge",
    "frontier",
    "garnet",
    "glacier",
    "granite",
    "harbor",
    "hawk",
    "helix",
    "horizon",
    "indigo",
    "iron",
    "ivory",
    "jade",
    "juniper",
    "keystone",
    "kinetic",
    "lark",
    "laurel",
    "lumen",
    "lunar",
    "maple",
    "marble",
    "meridian",
    "mesa",
    "nova",
    "oak",
    "onyx",
    "orbit",
    "orchid",
    "pacific",
    "peak",
    "pine",
    "pioneer",
    "polar",
    "prairie",
    "prism",
    "quantum",
    "quartz",
    "radiant",
    "raven",
    "redwood",
    "ridge",
    "river",
    "rock",
    "sable",
    "sage",
    "sapphire",
    "sierra",
    "silver",
    "solar",
    "sparrow",
    "spruce",
    "star",
    "sterling",
    "stone",
    "summit",
    "swift",
    "terra",
    "thunder",
    "tidal",
    "timber",
    "titan",
    "topaz",
    "true",
    "union",
    "vale",
    "vector",
    "velvet",
    "vertex",
    "violet",
    "vista",
    "willow",
    "wolf",
    "zenith",
]
WORDS_B = [
    "analytics",
    "bakery",
    "bank",
    "biotech",
    "brewing",
    "builders",
    "capital",
    "chemicals",
    "cloud",
    "consulting",
    "dairy",
    "data",
    "designs",
    "devices",
    "dynamics",
    "electric",
    "energy",
    "engineering",
    "farms",
    "finance",
    "foods",
    "freight",
    "games",
    "genomics",
    "glass",
    "health",
    "hotels",
    "imaging",
    "industries",
    "insurance",
    "labs",
    "legal",
    "logistics",
    "machines",
    "marine",
    "media",
    "medical",
    "metals",
    "mining",
    "motors",
    "networks",
    "optics",
    "packaging",
    "paper",
    "partners",
    "pharma",
    "plastics",
    "power",
    "press",
    "realty",
    "retail",
    "robotics",
    "security",
    "semiconductors",
    "shipping",
    "software",
    "solutions",
    "sports",
    "steel",
    "studios",
    "systems",
    "telecom",
    "textiles",
    "tools",
    "travel",
    "ventures",
    "water",
    "wireless",
]
SUFFIXES = ["", "", "", " Ltd", " Inc", " GmbH", " LLC", " plc", " Group", " Corp"]


class Command(BaseCommand):
    help = "Generate the deals benchmark data set (PostgreSQL, COPY). Idempotent: tops up to the sizes given."

    def add_arguments(self, parser):
        parser.add_argument("--partners", type=int, default=10_000)
        parser.add_argument("--customers", type=int, default=200_000)
        parser.add_argument("--deals", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="Write even if the database name lacks 'bench'.")

    def handle(self, *args, partners, customers, deals, seed, force, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_bench needs PostgreSQL (DATABASE_URL=postgres://...): it streams with COPY.")
        name = connection.settings_dict["NAME"]
        if "bench" not in name and not force:
            raise CommandError(f"Database {name!r} does not look like a benchmark database (no 'bench' in its name).")
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        started = time.monotonic()
        partner_rows = self._partners(partners)
        self._users(partner_rows)
        customer_rows = self._customers(customers)
        self._deals(deals, partner_rows, customer_rows)
        self._conflicts()
        seed_performance(self.stdout, random.Random(seed + 1), self.today)
        # VACUUM as well as ANALYZE: a table filled by COPY has no visibility map until autovacuum gets to it,
        # and without one the lists' counts and totals cannot be index-only scans, as they are on a live program
        with connection.cursor() as cursor:
            for table in ("partners_partner", "deals_customer", "deals_deal", "deals_dealconflict"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        self.stdout.write(self.style.SUCCESS(f"Benchmark data ready in {time.monotonic() - started:.0f} s."))

    # --- partners and users -------------------------------------------------------------------------------

    def _partners(self, count: int) -> list[tuple[int, str]]:
        tiers = []
        for rank, (tier_name, days) in enumerate(
            [("Registered", 60), ("Silver", 90), ("Gold", 120), ("Platinum", 180)]
        ):
            tier = Tier.objects.filter(name=tier_name).first() or Tier.objects.create(
                name=tier_name, rank=rank + 1, deal_protection_days=days
            )
            tiers.append(tier)
        existing = Partner.objects.filter(domain__endswith=".bench.example").count()
        if existing < count:
            types = list(PartnerType)
            batch = [
                Partner(
                    name=f"Bench Partner {n:05d}",
                    domain=f"p{n:05d}.bench.example",
                    country=COUNTRIES[n % len(COUNTRIES)],
                    partner_type=types[n % len(types)],
                    status=PartnerStatus.ACTIVE if n % 10 else PartnerStatus.ONBOARDING,
                    tier=tiers[n % 4] if n % 5 else None,
                    joined_on=self.today - timedelta(days=n % 1500),
                )
                for n in range(existing, count)
            ]
            Partner.objects.bulk_create(batch, batch_size=5000)
            self.stdout.write(f"  partners: +{len(batch)}")
        return list(
            Partner.objects.filter(domain__endswith=".bench.example")
            .order_by("id")
            .values_list("id", "country")[:count]
        )

    def _users(self, partner_rows) -> None:
        password = make_password(BENCH_PASSWORD)
        if not User.objects.filter(email=BENCH_MANAGER).exists():
            User.objects.create(
                username=BENCH_MANAGER, email=BENCH_MANAGER, role=Role.PARTNER_MANAGER, password=password
            )
        wanted = [
            User(
                username=f"rep{i}@bench.example",
                email=f"rep{i}@bench.example",
                role=Role.PARTNER_REP,
                partner_id=pid,
                password=password,
            )
            for i, (pid, _) in enumerate(partner_rows[:100])
        ]
        have = set(User.objects.filter(email__endswith="@bench.example").values_list("email", flat=True))
        User.objects.bulk_create([u for u in wanted if u.email not in have], batch_size=1000)

    # --- customers ----------------------------------------------------------------------------------------

    def _customers(self, count: int) -> list[tuple[int, str, str]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM deals_customer WHERE domain LIKE '%%.cust.example'")
            existing = cursor.fetchone()[0]
        if existing < count:
            rng = self.rng
            names, seen = [], set()
            while len(names) < count - existing:
                base = f"{rng.choice(WORDS_A).title()} {rng.choice(WORDS_A).title()} {rng.choice(WORDS_B).title()}"
                if base in seen:
                    continue
                seen.add(base)
                names.append(base)
            now = timezone.now().isoformat()
            buf = io.StringIO()
            for n, base in enumerate(names, start=existing):
                domain = f"{base.lower().replace(' ', '-')}-{n}.cust.example"
                display = base + rng.choice(SUFFIXES)
                buf.write(f"{domain}\t{display}\t{normalize_name(display)}\t{domain}\t{now}\n")
            buf.seek(0)
            with connection.cursor() as cursor:
                cursor.copy_expert(
                    "COPY deals_customer (key, name, name_normalized, domain, created_at) FROM STDIN", buf
                )
            self.stdout.write(f"  customers: +{len(names)}")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, name, domain FROM deals_customer WHERE domain LIKE '%%.cust.example' ORDER BY id LIMIT %s",
                [count],
            )
            return cursor.fetchall()

    # --- deals --------------------------------------------------------------------------------------------

    def _deals(self, count: int, partner_rows, customer_rows) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM deals_deal")
            existing = cursor.fetchone()[0]
            cursor.execute("SELECT customer_id FROM deals_deal WHERE status = 'approved'")
            holders = {row[0] for row in cursor.fetchall()}
        todo = count - existing
        if todo <= 0:
            self.stdout.write(f"  deals: {existing} already")
            return
        rng = self.rng
        statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
        free_customers = [c for c in customer_rows if c[0] not in holders]
        rng.shuffle(free_customers)
        chunk = 100_000
        columns = (
            "partner_id, customer_id, customer_name, customer_domain, country, contact_name, contact_email, products, "
            "amount, currency, expected_close_date, description, status, protected_until, approved_at, decided_at, "
            "rejection_reason, lost_reason, closed_on, won_amount, created_at, updated_at"
        )
        now = timezone.now()
        started = time.monotonic()
        done = 0
        while done < todo:
            buf = io.StringIO()
            for _ in range(min(chunk, todo - done)):
                buf.write(self._deal_line(rng, statuses, partner_rows, customer_rows, free_customers, now))
            buf.seek(0)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.copy_expert(f"COPY deals_deal ({columns}) FROM STDIN", buf)
            done += min(chunk, todo - done)
            self.stdout.write(f"  deals: {existing + done:,} ({time.monotonic() - started:.0f} s)")

    def _deal_line(self, rng, statuses, partner_rows, customer_rows, free_customers, now: datetime) -> str:
        status = rng.choice(statuses)
        if status == "approved":
            if free_customers:
                customer = free_customers.pop()
            else:
                status = "won"
                customer = rng.choice(customer_rows)
        else:
            customer = rng.choice(customer_rows)
        partner_id, country = rng.choice(partner_rows)
        age_days = rng.randint(0, 20) if status == "submitted" else rng.randint(1, 730)
        created = now - timedelta(days=age_days, seconds=rng.randint(0, 86_399))
        created_day = created.astimezone(UTC).date()
        amount = Decimal(rng.randrange(100_000, 50_000_000)) / 100
        close = created_day + timedelta(days=rng.randint(20, 200))
        n = r"\N"
        protected = approved_at = decided = closed = won = n
        rejection = lost = ""
        if status != "submitted":
            decided = (created + timedelta(days=1)).isoformat()
        if status in ("approved", "won", "lost", "expired"):
            approved_at = decided
        if status == "approved":
            protected = _iso(self.today + timedelta(days=rng.randint(1, 150)))
        elif status == "expired":
            protected = _iso(min(created_day + timedelta(days=90), self.today - timedelta(days=1)))
        elif status == "rejected":
            rejection = "Direct account"
        elif status in ("won", "lost"):
            closed = _iso(min(created_day + timedelta(days=rng.randint(10, 120)), self.today))
            if status == "won":
                won = str(amount)
            else:
                lost = "Lost on price"
        currency = CURRENCY.get(country, "USD")
        cid, cname, cdomain = customer
        return (
            f"{partner_id}\t{cid}\t{cname}\t{cdomain}\t{country}\t\t\t\t{amount}\t{currency}\t{_iso(close)}\t\t"
            f"{status}\t{protected}\t{approved_at}\t{decided}\t{rejection}\t{lost}\t{closed}\t{won}\t"
            f"{created.isoformat()}\t{now.isoformat()}\n"
        )

    def _conflicts(self) -> None:
        """Active registrations of one customer by different partners conflict, both ways (one SQL pass)."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO deals_dealconflict (deal_id, other_id, match, created_at)
                SELECT a.id, b.id, 'domain', now()
                FROM deals_deal a
                JOIN deals_deal b ON b.customer_id = a.customer_id AND b.id <> a.id AND b.partner_id <> a.partner_id
                WHERE a.status IN ('submitted', 'approved') AND b.status IN ('submitted', 'approved')
                ON CONFLICT DO NOTHING
                """
            )
            self.stdout.write(f"  conflicts: +{cursor.rowcount}")


def _iso(day: date) -> str:
    return day.isoformat()
