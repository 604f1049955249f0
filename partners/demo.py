"""Demo data for recruit, engage and cases: the 5C screening criteria, applications in every status (scored,
with fit scores), announcements (one scheduled, one for Gold only), a satisfaction survey with answers from
several partners, and dispute cases (open, in review and overdue, resolved; one on a deal conflict when the
deals demo has made conflicts). Written through the services; a second run adds nothing."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from prm.accounts.models import User
from prm.accounts.roles import Role

from .cases import services as cases
from .engage import services as engage
from .models import (
    Announcement,
    Application,
    Case,
    Partner,
    PartnerStatus,
    ScreeningCriterion,
    Survey,
    SurveyResponse,
)
from .recruit import services as recruit

FIVE_CS = [
    ("Capability", "Technical and sales skills to sell, deploy and support our products.", 3),
    ("Commitment", "Willingness to invest: certified staff, marketing, a named sponsor.", 2),
    ("Compatibility", "Shared values, business model and target customers.", 2),
    ("Coverage", "Regions and segments we do not reach well today.", 2),
    ("Credibility", "Reputation, references and financial standing.", 1),
]

# company, domain, country, type, contact, status, scores (the 5Cs in order) or None
APPLICANTS = [
    ("Bluefin Networks", "bluefin-networks.example", "NL", "reseller", "Eva de Vries", "submitted", None),
    ("Kestrel Cloud", "kestrel-cloud.example", "US", "msp", "Jordan Price", "submitted", None),
    ("Orchid Analytics", "orchid-analytics.example", "SG", "technology", "Mei Lin Tan", "screening", [5, 4, 4, 5, 3]),
    (
        "Granite Integrators",
        "granite-integrators.example",
        "DE",
        "integrator",
        "Lukas Weber",
        "screening",
        [3, 2, 3, 2, 3],
    ),
    (
        "Harbor Referral Group",
        "harbor-referrals.example",
        "AU",
        "referral",
        "Olivia Brown",
        "approved",
        [4, 4, 5, 4, 4],
    ),
    (
        "Zenith Distribution",
        "zenith-distribution.example",
        "BR",
        "distributor",
        "Rafael Souza",
        "rejected",
        [2, 1, 2, 3, 2],
    ),
    # a company that is already a partner applies again: flagged as a duplicate in the queue
    ("Northwind Systems UK", "northwind-systems.example", "GB", "reseller", "Tom Ashby", "submitted", None),
]

ANNOUNCEMENTS = [
    (
        "Welcome to the 2026 partner program",
        "announcement",
        {},
        -20,
        "<p>New tiers, faster deal registration and a refreshed portal. Read the <strong>program guide</strong> "
        "in Resources.</p>",
    ),
    (
        "Gold partner summit in Lisbon",
        "announcement",
        {"gold": True},
        -3,
        "<p>Our Gold partners are invited to the partner summit on 14–15 October.</p><ul><li>Roadmap</li>"
        "<li>Joint planning</li></ul>",
    ),
    (
        "Partner newsletter: what is new",
        "newsletter",
        {},
        -1,
        "<h3>This month</h3><p>Three new certifications, the Q4 SPIFF and MDF deadlines.</p>",
    ),
    ("Q4 price list", "announcement", {}, 7, "<p>The Q4 price list takes effect on the first day of the quarter.</p>"),
]


def seed(ctx) -> None:
    manager = ctx.managers[0]
    criteria = _criteria(ctx.admin)
    _applications(manager, criteria)
    _announcements(manager, ctx)
    _survey(manager, ctx)
    _cases(ctx)


def _criteria(admin) -> list[ScreeningCriterion]:
    result = []
    for position, (name, description, weight) in enumerate(FIVE_CS):
        criterion = ScreeningCriterion.objects.filter(name=name).first() or recruit.criterion_create(
            actor=admin, data={"name": name, "description": description, "weight": weight, "position": position}
        )
        result.append(criterion)
    return result


def _applications(manager, criteria) -> None:
    for company, domain, country, ptype, contact, status, scores in APPLICANTS:
        if Application.objects.filter(domain=domain).exists():
            continue
        first = contact.split()[0].lower()
        application, _ = recruit.application_submit(
            data={
                "company_name": company,
                "domain": domain,
                "country": country,
                "partner_type": ptype,
                "contact_name": contact,
                "contact_email": f"{first}@{domain}",
                "expected_annual_revenue": Decimal(120_000 + 35_000 * len(company)),
                "customer_segments": ["smb", "mid_market"] if len(company) % 2 else ["enterprise"],
                "regions_covered": ["western_europe"] if country in {"NL", "DE", "GB"} else ["north_america"],
                "certified_staff": len(contact) % 7,
                "existing_vendors": "Globex, Initech",
                "message": f"{company} would like to add our products to its portfolio.",
            }
        )
        if scores:
            recruit.application_score(
                actor=manager,
                application=application,
                scores=[{"criterion": c, "score": s, "note": ""} for c, s in zip(criteria, scores, strict=True)],
            )
        if status == "approved":
            recruit.application_approve(actor=manager, application=application, notify=False)
        elif status == "rejected":
            recruit.application_reject(
                actor=manager,
                application=application,
                reason="We already have strong distribution coverage in your region this year.",
                notify=False,
            )


def _announcements(manager, ctx) -> None:
    gold = next((t for t in ctx.tiers if t.name == "Gold"), None)
    now = timezone.now()
    for title, kind, audience, days, body in ANNOUNCEMENTS:
        if Announcement.objects.filter(title=title).exists():
            continue
        engage.announcement_create(
            actor=manager,
            data={
                "title": title,
                "kind": kind,
                "body": body,
                "publish_at": now + timedelta(days=days),
                "audience_tiers": [gold] if audience.get("gold") and gold else [],
            },
        )


def _survey(manager, ctx) -> None:
    title = f"Partner satisfaction {ctx.today:%Y}"
    survey = Survey.objects.filter(title=title).first() or engage.survey_create(
        actor=manager,
        data={"title": title, "opens_on": ctx.today - timedelta(days=10), "closes_on": ctx.today + timedelta(days=20)},
    )
    if SurveyResponse.objects.filter(survey=survey).exists():
        return
    partners = list(
        Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("id")[1:13]
    )  # leave Northwind's to answer
    users = {
        u.partner_id: u
        for u in User.objects.filter(partner__in=partners, role=Role.PARTNER_ADMIN, is_active=True).order_by("id")
    }
    comments = [
        "Great support from our channel manager.",
        "Deal registration is slow.",
        "",
        "MDF is easy to claim.",
        "",
    ]
    for i, partner in enumerate(partners):
        user = users.get(partner.pk)
        if user is None:
            continue
        score = [10, 9, 8, 6, 9, 3, 10, 7, 9, 5, 10, 8][i % 12]
        engage.survey_respond(actor=user, survey=survey, score=score, comment=comments[i % len(comments)])


def _partner_admin(partner):
    return User.objects.filter(partner=partner, role=Role.PARTNER_ADMIN, is_active=True).order_by("id").first()


def _cases(ctx) -> None:
    """Cases are found again by subject (and partner), so a second run adds nothing."""
    partners = list(Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("id")[:4])
    if len(partners) < 3:
        return
    now = timezone.now()

    def open_case(partner, subject, **data):
        existing = Case.objects.filter(partner=partner, subject=subject).first()
        if existing is not None:
            return None
        actor = _partner_admin(partner)
        if actor is None:
            return None
        return cases.case_open(actor=actor, data={"subject": subject, **data})

    # open, waiting for its manager
    open_case(
        partners[1],
        "Q2 rebate paid at the Silver rate",
        kind="commission",
        description="We reached Gold in May, but the Q2 rebate statement still uses the Silver rate (2.5%).",
    )

    # in review, overdue, with a reply and an internal note
    late = open_case(
        partners[2],
        "MDF claim for the March webinar rejected",
        kind="mdf",
        description="The claim was rejected for missing receipts, but we uploaded them on 2 April.",
    )
    if late is not None:
        Case.objects.filter(pk=late.pk).update(created_at=now - timedelta(days=12), due_at=now - timedelta(days=5))
        late.refresh_from_db()
        owner = late.owner or ctx.managers[0]
        cases.case_review(actor=owner, case=late)
        cases.case_message_post(actor=owner, case=late, body="Thanks, we are checking the receipts with finance.")
        cases.case_message_post(
            actor=owner, case=late, body="Receipts arrived after the claim deadline; ask finance.", internal=True
        )

    # resolved
    done = open_case(
        partners[3],
        "Referral fee missing for the Initech deal",
        kind="commission",
        description="The referral fee for the Initech deal (closed in February) is not on any statement.",
    )
    if done is not None:
        owner = done.owner or ctx.managers[0]
        cases.case_review(actor=owner, case=done)
        cases.case_message_post(actor=_partner_admin(partners[3]), case=done, body="The deal closed on 14 February.")
        cases.case_resolve(
            actor=owner,
            case=done,
            resolution="Confirmed: the fee (1,250.00 USD) is added to the next payout run.",
        )


def seed_late(ctx) -> None:
    """Runs after every app's seed: the deals demo has made its conflicts by then."""
    _deal_conflict_case()


def _deal_conflict_case() -> None:
    """A case on a registration that conflicts with another partner's; only once the deals demo has made some
    (it may run after this one: then the next run adds it)."""
    try:
        from deals.models import DealConflict
    except ImportError:  # pragma: no cover - the deals app is part of the project
        return
    if Case.objects.filter(kind="deal_conflict", deal__isnull=False).exists():
        return
    conflict = DealConflict.objects.select_related("deal__partner", "other__partner").order_by("id").first()
    if conflict is None:
        return
    deal = conflict.deal
    actor = _partner_admin(deal.partner)
    if actor is None:
        return
    cases.case_open(
        actor=actor,
        data={
            "kind": "deal_conflict",
            "deal": deal,
            "subject": f"{deal.customer_name}: we registered this customer first",
            "description": f"{conflict.other.partner.name} registered the same customer after us; please keep "
            "the protection on our registration.",
        },
    )
