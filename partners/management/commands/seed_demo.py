"""A realistic demo program: tiers, ~40 partners of every type and status in several countries, their
users and agreements, and one login per role. Written through the services (so the audit trail and the
outbox are real). Safe to run again: what exists is left as it is."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from faker import Faker

from partners import services
from partners.models import Agreement, AgreementKind, Partner, PartnerStatus, PartnerType, Tier
from prm.accounts import services as account_services
from prm.accounts.models import User
from prm.accounts.roles import Role
from prm.plugins import app_modules

DEMO_PASSWORD = "prm-demo-2026"  # noqa: S105  (printed for the demo on purpose)

TIERS = [
    # name, rank, min revenue, min won deals, min certified users, protection days, rebate %
    ("Registered", 1, "0", 0, 0, 60, "0"),
    ("Silver", 2, "100000", 5, 2, 90, "2.5"),
    ("Gold", 3, "500000", 20, 5, 120, "5"),
    ("Platinum", 4, "2000000", 60, 12, 180, "8"),
]
STAFF = [
    ("admin@demo.prm", "Ada", "Lovelace", Role.PROGRAM_ADMIN, "Channel program director"),
    ("manager@demo.prm", "Marco", "Rossi", Role.PARTNER_MANAGER, "Channel account manager, EMEA"),
    ("manager2@demo.prm", "Priya", "Nair", Role.PARTNER_MANAGER, "Channel account manager, APAC"),
    ("manager3@demo.prm", "Sam", "Carter", Role.PARTNER_MANAGER, "Channel account manager, Americas"),
    ("finance@demo.prm", "Fatima", "Haddad", Role.FINANCE, "Partner finance"),
]
COUNTRIES = ["US", "GB", "DE", "FR", "NL", "IN", "AU", "BR", "JP", "CA", "ES", "SE", "SG", "ZA"]
STATUSES = (
    [PartnerStatus.ACTIVE] * 24
    + [PartnerStatus.ONBOARDING] * 8
    + [PartnerStatus.SUSPENDED] * 4
    + [PartnerStatus.CHURNED] * 4
)
KIND_FOR_TYPE = {
    PartnerType.RESELLER: AgreementKind.RESELLER,
    PartnerType.DISTRIBUTOR: AgreementKind.DISTRIBUTION,
    PartnerType.REFERRAL: AgreementKind.REFERRAL,
    PartnerType.MSP: AgreementKind.MSP,
    PartnerType.INTEGRATOR: AgreementKind.RESELLER,
    PartnerType.TECHNOLOGY: AgreementKind.OTHER,
}


@dataclass
class DemoContext:
    """What app-level demo seeders get: the staff, the tiers and deterministic sources of randomness.
    Partners are read back from the database (`Partner.objects.order_by("id")`)."""

    admin: User
    managers: list[User]
    tiers: list[Tier]
    today: date
    rng: random.Random
    fake: Faker


class Command(BaseCommand):
    help = "Load the demo partner program (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--partners", type=int, default=40)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, **options):
        # Demo data is made through the real services, which notify people: those emails go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._seed(**options)

    @transaction.atomic
    def _seed(self, *, partners: int, quiet: bool, **options):
        self.password_hash = make_password(DEMO_PASSWORD)
        fake = Faker()
        fake.seed_instance(2026)
        # Names from their own generator, all drawn up front: the same 40 names on every run, whatever
        # the other draws do, so a second run finds the partners it made the first time.
        name_source = Faker()
        name_source.seed_instance(40)
        names = ["Northwind Systems"] + [name_source.unique.company() for _ in range(partners - 1)]
        rng = random.Random(2026)
        today = timezone.localdate()

        admin = self._staff(STAFF[0], superuser=True)
        managers = [self._staff(row) for row in STAFF[1:4]]
        self._staff(STAFF[4])
        tiers = self._tiers(admin)

        created = 0
        for i in range(partners):
            name = names[i]
            domain = _slug(name) + ".example"
            ptype = list(PartnerType)[i % len(PartnerType)]
            status = PartnerStatus.ACTIVE if i == 0 else STATUSES[i % len(STATUSES)]
            partner = Partner.objects.filter(domain=domain).first()
            if partner is None:
                tier = tiers[2] if i == 0 else (tiers[0] if status == PartnerStatus.ONBOARDING else rng.choice(tiers))
                partner = services.partner_create(
                    actor=admin,
                    data={
                        "name": name,
                        "domain": domain,
                        "website": f"https://www.{domain}",
                        "country": "GB" if i == 0 else COUNTRIES[i % len(COUNTRIES)],
                        "city": "London" if i == 0 else fake.city(),
                        "partner_type": ptype,
                        "status": status,
                        "tier": tier,
                        "manager": managers[i % len(managers)],
                        "phone": fake.phone_number()[:40],
                        "description": fake.catch_phrase() + ". " + fake.paragraph(nb_sentences=2),
                        "joined_on": today - timedelta(days=rng.randint(10, 1100)),
                    },
                )
                created += 1
                self._partner_users(partner, fake, rng, admin, first=i == 0)
                self._agreements(partner, rng, admin, today, index=i)

        ctx = DemoContext(admin=admin, managers=managers, tiers=tiers, today=today, rng=rng, fake=fake)
        demos = app_modules("demo")
        for demo in demos:  # each app's demo.py seeds its own data, after the partners exist
            demo.seed(ctx)
        # A second pass for data that needs other apps' demo data (a dispute case on a deal conflict).
        for demo in demos:
            if hasattr(demo, "seed_late"):
                demo.seed_late(ctx)

        if not quiet:
            self.stdout.write(
                self.style.SUCCESS(f"Demo program ready: {Partner.objects.count()} partners ({created} new).")
            )
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for email, role in [
                ("admin@demo.prm", "program_admin"),
                ("manager@demo.prm", "partner_manager"),
                ("finance@demo.prm", "finance"),
                ("admin@northwind-systems.example", "partner_admin (Northwind Systems)"),
                ("rep@northwind-systems.example", "partner_rep (Northwind Systems)"),
            ]:
                self.stdout.write(f"  {role:<36} {email}")

    def _staff(self, row, superuser=False) -> User:
        email, first, last, role, title = row
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User(username=email, email=email, first_name=first, last_name=last, role=role, title=title)
            user.is_superuser = user.is_staff = superuser
            user.password = self.password_hash
            user.save()
        return user

    def _tiers(self, admin) -> list[Tier]:
        tiers = []
        for name, rank, revenue, deals, certified, days, rebate in TIERS:
            tier = Tier.objects.filter(name=name).first() or services.tier_create(
                actor=admin,
                data={
                    "name": name,
                    "rank": rank,
                    "min_revenue": Decimal(revenue),
                    "min_won_deals": deals,
                    "min_certified_users": certified,
                    "deal_protection_days": days,
                    "rebate_percent": Decimal(rebate),
                    "description": f"{name} partners: {days}-day deal protection and a {rebate} % rebate.",
                },
            )
            tiers.append(tier)
        return tiers

    def _partner_users(self, partner, fake, rng, admin, first: bool) -> None:
        people = [(Role.PARTNER_ADMIN, "admin" if first else None)]
        people += [(Role.PARTNER_REP, "rep" if first and n == 0 else None) for n in range(rng.randint(1, 3))]
        for role, local in people:
            first_name, last_name = fake.first_name(), fake.last_name()
            email = f"{local or (first_name + '.' + last_name).lower()}@{partner.domain}"
            if User.objects.filter(email__iexact=email).exists():
                continue
            user = account_services.user_create(
                actor=admin,
                email=email,
                role=role,
                partner=partner,
                first_name=first_name,
                last_name=last_name,
                title="Partner administrator" if role == Role.PARTNER_ADMIN else "Account executive",
                send_invitation=False,
            )
            # Hashed once for all demo users: a password hash is deliberately slow.
            User.objects.filter(pk=user.pk).update(password=self.password_hash, invited_at=None)

    def _agreements(self, partner, rng, admin, today, index: int) -> None:
        if Agreement.objects.filter(partner=partner).exists():
            return
        start = partner.joined_on
        # A spread of expiry situations so reminders and badges have something to show.
        expiry_offsets = [400, 20, -30, 200, 9, 700, None]
        offset = expiry_offsets[index % len(expiry_offsets)]
        services.agreement_create(
            actor=admin,
            partner=partner,
            data={
                "kind": KIND_FOR_TYPE[partner.partner_type],
                "title": f"{partner.get_partner_type_display()} agreement",
                "reference": f"AGR-{2024 + index % 3}-{index + 1:04d}",
                "signed_on": start,
                "starts_on": start,
                "expires_on": None if offset is None else max(start, today + timedelta(days=offset)),
                "auto_renew": index % 3 == 0,
            },
        )
        if index % 2 == 0:
            services.agreement_create(
                actor=admin,
                partner=partner,
                data={
                    "kind": AgreementKind.NDA,
                    "title": "Mutual non-disclosure agreement",
                    "reference": f"NDA-{index + 1:04d}",
                    "signed_on": start,
                    "starts_on": start,
                    "expires_on": start + timedelta(days=365 * 3),
                },
            )


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
