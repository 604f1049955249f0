"""Every write to applications and screening criteria. The application state machine lives here, once."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from prm.accounts import services as account_services
from prm.accounts.models import User
from prm.accounts.roles import Role
from prm.errors import Conflict, InvalidTransition
from prm.events.services import event_emit
from prm.notify import send_after_commit
from prm.services import apply_changes, service, validate_and_save

from ..models import (
    APPLICATION_STATES,
    OPEN_APPLICATION_STATUSES,
    Application,
    ApplicationScore,
    ApplicationStatus,
    Partner,
    PartnerStatus,
    ScreeningCriterion,
    Tier,
)
from ..services import partner_create, validate_domain

logger = logging.getLogger(__name__)

S = ApplicationStatus


def _transition(application: Application, to: str) -> None:
    APPLICATION_STATES.check(application.status, to)
    application.status = to


def _locked(application: Application) -> Application:
    """The row, locked for this transaction, so two managers deciding at once cannot both win."""
    return Application.objects.select_for_update().get(pk=application.pk)


# --- submission (public) ---------------------------------------------------------------------------------


@service
def application_submit(*, data: dict[str, Any], actor: User | None = None) -> tuple[Application, bool]:
    """Store an application from the public form. Returns (application, created): an identical resubmission
    (same contact email and domain while the first is still open) returns the open one, never a second row.
    A domain that belongs to a partner or to another open application is flagged for the screening queue."""
    data = dict(data)
    data["domain"] = validate_domain(data.get("domain", ""))
    data["contact_email"] = User.objects.normalize_email(data.get("contact_email", "")).strip()
    existing = _open_application(data["contact_email"], data["domain"])
    if existing is not None:
        logger.info("application.resubmitted", extra={"application_id": existing.pk})
        return existing, False
    application = Application(**data)
    application.duplicate_of_partner = Partner.objects.filter(domain__iexact=application.domain).first()
    application.duplicate_of_application = (
        Application.objects.filter(domain=application.domain, status__in=OPEN_APPLICATION_STATUSES)
        .order_by("created_at", "id")
        .first()
    )
    application.full_clean()
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # The same form posted twice at once: the other request stored it first.
        existing = _open_application(application.contact_email, application.domain)
        if existing is None:
            raise
        return existing, False
    event_emit(
        name="application.submitted",
        instance=application,
        actor=actor,
        payload={
            "id": application.pk,
            "company_name": application.company_name,
            "domain": application.domain,
            "flagged": application.is_flagged,
        },
    )
    logger.info("application.submitted", extra={"application_id": application.pk})
    return application, True


def _open_application(email: str, domain: str) -> Application | None:
    return (
        Application.objects.filter(contact_email__iexact=email, domain=domain, status__in=OPEN_APPLICATION_STATUSES)
        .order_by("id")
        .first()
    )


# --- screening -------------------------------------------------------------------------------------------

_HUNDRED = Decimal("100")


def fit_score(pairs: Iterable[tuple[int, int]]) -> Decimal | None:
    """Weighted fit (0–100) from (score 1–5, weight) pairs: a 1 counts 0 %, a 5 counts 100 %.
    None when nothing is scored (an unscored application is not a bad one)."""
    points = total = 0
    for score, weight in pairs:
        points += (score - 1) * weight
        total += 4 * weight
    if not total:
        return None
    return (Decimal(points) * _HUNDRED / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _fit_scores_of(application_ids: Iterable[int]) -> dict[int, Decimal | None]:
    """The fit score of many applications in one aggregate query (active criteria only)."""
    ids = list(application_ids)
    rows = (
        ApplicationScore.objects.filter(application_id__in=ids, criterion__active=True)
        .values("application_id")
        .annotate(points=Sum((F("score") - 1) * F("criterion__weight")), total=Sum(4 * F("criterion__weight")))
        .order_by()
    )
    result: dict[int, Decimal | None] = dict.fromkeys(ids)
    for row in rows:
        if row["total"]:
            result[row["application_id"]] = (Decimal(row["points"]) * _HUNDRED / Decimal(row["total"])).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
    return result


@service
def application_score(*, actor: User, application: Application, scores: list[dict[str, Any]]) -> Application:
    """Record a manager's 1–5 scores (`[{"criterion", "score", "note"}]`), store the weighted fit score,
    and move a submitted application to screening."""
    application = _locked(application)
    if not application.is_open:
        raise InvalidTransition(
            f"This application is already {application.get_status_display().lower()}; its screening is closed."
        )
    if not scores:
        raise ValidationError({"scores": "Score at least one criterion."})
    for item in scores:
        criterion: ScreeningCriterion = item["criterion"]
        if not criterion.active:
            raise ValidationError({"scores": f"The criterion “{criterion.name}” is no longer used."})
        ApplicationScore.objects.update_or_create(
            application=application,
            criterion=criterion,
            defaults={"score": item["score"], "note": item.get("note", ""), "scored_by": actor},
        )
    before = application.status
    if application.status == S.SUBMITTED:
        _transition(application, S.SCREENING)
    application.fit_score = _fit_scores_of([application.pk])[application.pk]
    application.save(update_fields=["status", "fit_score", "updated_at"])
    event_emit(
        name="application.screened",
        instance=application,
        actor=actor,
        payload={"fit_score": str(application.fit_score), "from": before, "to": application.status},
    )
    return application


def _refresh_open_fit_scores() -> int:
    """Weights changed: re-store the fit score of every open application (one aggregate, one bulk update)."""
    open_apps = list(Application.objects.filter(status__in=OPEN_APPLICATION_STATUSES).only("pk", "fit_score"))
    scores = _fit_scores_of(a.pk for a in open_apps)
    changed = [a for a in open_apps if a.fit_score != scores[a.pk]]
    for a in changed:
        a.fit_score = scores[a.pk]
    Application.objects.bulk_update(changed, ["fit_score"], batch_size=500)
    return len(changed)


@service
def criterion_create(*, actor: User, data: dict[str, Any]) -> ScreeningCriterion:
    criterion = ScreeningCriterion(**data)
    validate_and_save(criterion, unique_message={"name": "A criterion with this name already exists."})
    event_emit(name="criterion.created", instance=criterion, actor=actor, payload={"name": criterion.name})
    return criterion


@service
def criterion_update(*, actor: User, criterion: ScreeningCriterion, data: dict[str, Any]) -> ScreeningCriterion:
    changed = apply_changes(criterion, data)
    if changed:
        validate_and_save(criterion, unique_message={"name": "A criterion with this name already exists."})
        event_emit(name="criterion.updated", instance=criterion, actor=actor, payload={"changed": changed})
        if {"weight", "active"} & set(changed):
            _refresh_open_fit_scores()
    return criterion


# --- decisions -------------------------------------------------------------------------------------------


def _split_name(full_name: str) -> tuple[str, str]:
    parts = full_name.strip().split(None, 1)
    return (parts[0] if parts else "", parts[1] if len(parts) > 1 else "")


@service
def application_approve(*, actor: User, application: Application, notify: bool = True) -> Application:
    """In one transaction: the partner (status onboarding, the entry tier), its first partner_admin (invited
    by email once the transaction commits) and its onboarding plan. Nothing is written if any step fails."""
    from onboarding.services import onboarding_plan_create

    application = _locked(application)
    _transition(application, S.APPROVED)
    taken = Partner.objects.filter(domain__iexact=application.domain).first()
    if taken is not None:
        raise Conflict(
            f"The domain {application.domain} already belongs to the partner “{taken.name}”: "
            "this application cannot be approved. Reject it as a duplicate."
        )
    if User.objects.filter(email__iexact=application.contact_email).exists():
        raise Conflict(
            f"A user with the email {application.contact_email} already exists: "
            "the new partner's first admin needs an email address of its own."
        )
    try:
        partner = partner_create(
            actor=actor,
            data={
                "name": application.company_name,
                "domain": application.domain,
                "country": application.country,
                "partner_type": application.partner_type,
                "status": PartnerStatus.ONBOARDING,
                "tier": Tier.objects.order_by("rank").first(),
                "manager": actor if actor.role == Role.PARTNER_MANAGER else None,
                "phone": application.contact_phone,
                "joined_on": timezone.localdate(),
            },
        )
    except ValidationError as exc:  # a partner took the domain between our check and the insert
        raise Conflict(f"The domain {application.domain} already belongs to a partner.") from exc
    first_name, last_name = _split_name(application.contact_name)
    # The approval is the authority to create this organization's first admin (a partner manager may
    # approve but not otherwise create users), so the user is made on the program's behalf (actor=None);
    # the audit trail still names the approver, whose acting_as context is the outer one.
    admin = account_services.user_create(
        actor=None,
        email=application.contact_email,
        role=Role.PARTNER_ADMIN,
        partner=partner,
        first_name=first_name[:150],
        last_name=last_name[:150],
        title="Partner administrator",
        send_invitation=False,
    )
    onboarding_plan_create(actor=actor, partner=partner)
    application.partner = partner
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "partner", "decided_by", "decided_at", "updated_at"])
    event_emit(
        name="application.approved",
        instance=application,
        actor=actor,
        payload={"id": application.pk, "partner": partner.pk, "user": admin.pk},
    )
    if notify:
        _send_welcome(application, admin)
    logger.info("application.approved", extra={"application_id": application.pk, "partner_id": partner.pk})
    return application


@service
def application_reject(*, actor: User, application: Application, reason: str, notify: bool = True) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason: the applicant receives it by email."})
    if len(reason) > 2000:
        raise ValidationError({"reason": "At most 2000 characters."})
    application = _locked(application)
    _transition(application, S.REJECTED)
    application.rejection_reason = reason
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at", "updated_at"])
    event_emit(
        name="application.rejected", instance=application, actor=actor, payload={"id": application.pk, "reason": reason}
    )
    if notify:
        _send_rejection(application)
    logger.info("application.rejected", extra={"application_id": application.pk})
    return application


def _send_welcome(application: Application, user: User) -> None:
    program = settings.PRM_PROGRAM_NAME
    send_after_commit(
        [
            (
                f"Welcome to the {program}: your application is approved",
                f"Hello {application.contact_name},\n\n"
                f"Your application for {application.company_name} to join the {program} is approved.\n\n"
                f"Set your password here to sign in to the partner portal: {account_services.invitation_link(user)}"
                f"\n\nYour sign-in is your email address: {user.email}\n"
                "Your onboarding plan is waiting for you in the portal.\n",
                [user.email],
            )
        ]
    )


def _send_rejection(application: Application) -> None:
    program = settings.PRM_PROGRAM_NAME
    send_after_commit(
        [
            (
                f"Your application to the {program}",
                f"Hello {application.contact_name},\n\n"
                f"Thank you for applying to the {program} with {application.company_name}. "
                "We are not able to accept the application at this time.\n\n"
                f"Reason: {application.rejection_reason}\n",
                [application.contact_email],
            )
        ]
    )
