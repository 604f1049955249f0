"""Demo data of onboarding and enablement, written through the services: courses with modules and quizzes,
a template for every partner type, plans (completed for active partners, part-way for onboarding ones),
certifications (some expiring soon, some expired) and a resource library with versions and downloads.
Idempotent: what exists (by title, by partner type, by partner) is left as it is."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partners.models import Partner, PartnerStatus, PartnerType
from prm.accounts.models import User
from prm.accounts.roles import Role

from . import services
from .models import Certification, Course, OnboardingPlan, OnboardingTemplate, Resource, StepOwner

COURSES = [
    # title, description, pass mark, validity months, audience (tier names, partner types)
    (
        "Platform fundamentals",
        "What the platform does, who buys it and why. Every partner starts here.",
        80,
        12,
        ([], []),
    ),
    ("Selling the platform", "Discovery questions, objection handling and deal registration.", 70, 12, ([], [])),
    (
        "Advanced implementation",
        "Architecture, integrations and rollout plans for complex customers.",
        80,
        24,
        (["Gold", "Platinum"], []),
    ),
    (
        "MSP operations",
        "Multi-tenant administration, monitoring and billing for managed service providers.",
        75,
        12,
        ([], [PartnerType.MSP, PartnerType.INTEGRATOR]),
    ),
]
QUESTIONS = [
    ("Which customers benefit most?", ["Teams with many tools to connect", "Nobody", "Only students"], 0),
    ("Where do you register a deal?", ["By fax", "In the partner portal under Deals", "Nowhere"], 1),
    ("How long is a registered deal protected?", ["Never", "For your tier's protection period", "Forever"], 1),
    ("Who is your first contact at the vendor?", ["Your channel manager", "The CEO", "Support only"], 0),
]
STEPS = [
    # title, owner, due after days, kind ("", "course", "document"), description
    ("Complete your company profile", StepOwner.PARTNER, 3, "", "Check your address, website and contacts."),
    ("Kick-off call with your channel manager", StepOwner.VENDOR, 7, "", "We walk you through the program."),
    ("Upload the signed partner agreement", StepOwner.PARTNER, 10, "document", "A PDF of the countersigned copy."),
    ("Get certified in Platform fundamentals", StepOwner.PARTNER, 30, "course", "One of your users passes the quiz."),
    ("Set up demo environment", StepOwner.VENDOR, 14, "", "We provision a demo tenant for your team."),
    ("Register your first deal", StepOwner.PARTNER, 45, "", "Register an opportunity in the portal."),
]
RESOURCES = [
    # title, category, description, audience (tiers, types, countries), link or None (a PDF), versions
    ("Product overview deck", "sales", "The 12-slide pitch for first meetings.", ([], [], []), None, 2),
    ("Competitive battlecard", "sales", "How we win against the usual alternatives.", ([], [], []), None, 1),
    (
        "Partner price list 2026 (Gold)",
        "price_list",
        "Discounted list prices.",
        (["Gold", "Platinum"], [], []),
        None,
        3,
    ),
    ("Partner price list 2026", "price_list", "Standard partner prices.", ([], [], []), None, 2),
    (
        "EMEA price list (EUR)",
        "price_list",
        "Prices in euro for EMEA.",
        ([], [], ["DE", "FR", "NL", "ES", "SE"]),
        None,
        1,
    ),
    ("Case study: Northwind retail rollout", "case_study", "12,000 seats in six months.", ([], [], []), None, 1),
    ("Case study: MSP at scale", "case_study", "Running 300 tenants.", ([], ["msp"], []), None, 1),
    ("Logo and brand guidelines", "marketing", "Logos, colours and co-branding rules.", ([], [], []), None, 2),
    (
        "Campaign in a box: Q3 webinar",
        "marketing",
        "Emails, landing page and slides.",
        (["Silver", "Gold", "Platinum"], [], []),
        None,
        1,
    ),
    (
        "Partner webinar recording",
        "marketing",
        "The 2026 roadmap webinar.",
        ([], [], []),
        "https://videos.example.com/roadmap-2026",
        1,
    ),
    (
        "Integration guide",
        "technical",
        "APIs, webhooks and SSO.",
        ([], ["integrator", "technology", "msp"], []),
        None,
        2,
    ),
    (
        "Reference architecture",
        "technical",
        "Sizing and high availability.",
        (["Platinum"], [], []),
        "https://docs.example.com/architecture",
        1,
    ),
]


def _pdf(name: str, text: str) -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% {text}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def seed(ctx) -> None:
    courses = _courses(ctx)
    _templates(ctx, courses["Platform fundamentals"])
    _plans(ctx, courses)
    _certifications(ctx, courses)
    _resources(ctx)


def _courses(ctx) -> dict[str, Course]:
    tiers = {t.name: t for t in ctx.tiers}
    result = {}
    for index, (title, description, pass_mark, months, (tier_names, types)) in enumerate(COURSES):
        course = Course.objects.filter(title=title).first()
        if course is None:
            course = services.course_create(
                actor=ctx.admin,
                data={
                    "title": title,
                    "description": description,
                    "pass_mark_percent": pass_mark,
                    "validity_months": months,
                    "published": True,
                    "audience_tiers": [tiers[n] for n in tier_names if n in tiers],
                    "audience_partner_types": types,
                },
            )
            services.course_module_create(
                actor=ctx.admin,
                course=course,
                data={
                    "title": "Overview",
                    "kind": "text",
                    "body": f"<h3>{title}</h3><p>{description}</p><ul><li>Read the modules.</li>"
                    "<li>Take the quiz: answers are checked when you submit.</li></ul>",
                },
            )
            services.course_module_create(
                actor=ctx.admin,
                course=course,
                data={"title": "Slides", "kind": "file", "file": _pdf("slides.pdf", title)},
            )
            services.course_module_create(
                actor=ctx.admin,
                course=course,
                data={"title": "Recorded session", "kind": "link", "url": f"https://videos.example.com/course-{index}"},
            )
            for text, choices, right in QUESTIONS[: 3 + index % 2]:
                services.quiz_question_create(
                    actor=ctx.admin,
                    course=course,
                    data={
                        "text": text,
                        "choices": [{"text": c, "is_correct": i == right} for i, c in enumerate(choices)],
                    },
                )
        result[title] = course
    return result


def _templates(ctx, fundamentals: Course) -> None:
    for value, label in PartnerType.choices:
        if OnboardingTemplate.objects.filter(partner_type=value).exists():
            continue
        template = services.onboarding_template_create(
            actor=ctx.admin,
            data={
                "name": f"{label} onboarding",
                "partner_type": value,
                "description": f"The first 45 days of a {label.lower()}.",
            },
        )
        steps = STEPS if value != PartnerType.REFERRAL else [s for s in STEPS if s[0] != "Set up demo environment"]
        for order, (title, owner, days, kind, description) in enumerate(steps, start=1):
            services.onboarding_template_step_create(
                actor=ctx.admin,
                template=template,
                data={
                    "order": order,
                    "title": title,
                    "owner": owner,
                    "due_offset_days": days,
                    "description": description,
                    "required_course": fundamentals if kind == "course" else None,
                    "requires_document": kind == "document",
                },
            )


def _admin_of(partner: Partner) -> User | None:
    return partner.users.filter(role=Role.PARTNER_ADMIN, is_active=True).order_by("id").first()


def _plans(ctx, courses) -> None:
    fundamentals = courses["Platform fundamentals"]
    partners = Partner.objects.filter(status__in=[PartnerStatus.ACTIVE, PartnerStatus.ONBOARDING]).order_by("id")
    # Plans with steps are done; an empty one (made at approval before the templates existed) is filled now.
    existing = set(OnboardingPlan.objects.filter(steps__isnull=False).values_list("partner_id", flat=True))
    for index, partner in enumerate(partners):
        if partner.pk in existing:
            continue
        partner_admin = _admin_of(partner)
        vendor = partner.manager or ctx.admin
        onboarding = partner.status == PartnerStatus.ONBOARDING
        started_on = ctx.today - timedelta(days=ctx.rng.randint(5, 40)) if onboarding else partner.joined_on
        plan = services.onboarding_plan_create(actor=ctx.admin, partner=partner, started_on=started_on)
        steps = list(plan.steps.order_by("order"))
        # Active partners finished onboarding; onboarding ones are part-way (0 to all but one step done).
        todo = len(steps) if not onboarding else min(index % len(steps or [1]), max(len(steps) - 1, 0))
        for step in steps[:todo]:
            if partner_admin is None:
                break
            if step.required_course_id and not Certification.objects.filter(partner=partner).exists():
                services.certification_issue(actor=ctx.admin, user=partner_admin, course=fundamentals)
            if step.owner == StepOwner.VENDOR:
                services.onboarding_step_complete(actor=vendor, step=step)
            elif step.requires_document:
                document = _pdf("signed-agreement.pdf", partner.name)
                services.onboarding_step_complete(actor=partner_admin, step=step, document=document)
            else:
                services.onboarding_step_complete(actor=partner_admin, step=step)
        if onboarding and index % 3 == 0:
            # No progress for weeks, flagged as the daily job would have done yesterday (without its emails).
            OnboardingPlan.objects.filter(pk=plan.pk).update(
                last_progress_at=timezone.now() - timedelta(days=15 + index), stuck_since=ctx.today - timedelta(days=1)
            )


def _certifications(ctx, courses) -> None:
    """Some users certified in the other courses: a few expiring within 30 days, a few expired."""
    if Certification.objects.filter(course=courses["Selling the platform"]).exists():
        return
    users = list(
        User.objects.filter(partner__status=PartnerStatus.ACTIVE, role__in=[Role.PARTNER_ADMIN, Role.PARTNER_REP])
        .select_related("partner")
        .order_by("id")
    )
    for index, user in enumerate(users[::2]):
        course = courses["Selling the platform"] if index % 2 == 0 else courses["Platform fundamentals"]
        months_ago = [2, 6, 12, 13][index % 4]  # 12 (+10 days) → expires within 30 days; 13 → expired
        issued_on = services.add_months(ctx.today, -months_ago) + timedelta(days=10 if months_ago == 12 else 0)
        if not Certification.objects.filter(user=user, course=course).exists():
            services.certification_issue(actor=ctx.admin, user=user, course=course, issued_on=issued_on)


def _resources(ctx) -> None:
    tiers = {t.name: t for t in ctx.tiers}
    partners = list(Partner.objects.select_related("tier").order_by("id"))
    for index, (title, category, description, audience, link, versions) in enumerate(RESOURCES):
        if Resource.objects.filter(title=title).exists():
            continue
        tier_names, types, countries = audience
        first = {"url": link} if link else {"file": _pdf(f"{title.lower().replace(' ', '-')}.pdf", title)}
        resource = services.resource_create(
            actor=ctx.admin,
            data={
                "title": title,
                "category": category,
                "description": description,
                "audience_tiers": [tiers[n] for n in tier_names if n in tiers],
                "audience_partner_types": types,
                "audience_countries": countries,
                "note": "First version",
                **first,
            },
        )
        for number in range(2, versions + 1):
            services.resource_version_add(
                actor=ctx.admin,
                resource=resource,
                file=_pdf(f"{title.lower().replace(' ', '-')}-v{number}.pdf", f"{title} v{number}"),
                note=f"Updated for {ctx.today:%B %Y}" if number == versions else "Corrections",
            )
        for partner in ctx.rng.sample(partners, k=min(6, len(partners))):
            if Resource.audience_filter(Resource.objects.filter(pk=resource.pk), partner).exists():
                for _ in range(ctx.rng.randint(1, 4 + index % 3)):
                    services.resource_download_record(resource=resource, partner=partner)
