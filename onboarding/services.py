"""Every write to onboarding templates and plans. Courses and certifications are in course_services.py, the
resource library in resource_services.py; all are re-exported here (`onboarding.services.<name>`)."""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from partners.models import Partner, PartnerStatus
from prm.errors import Conflict
from prm.events.services import event_emit
from prm.notify import partner_admin_emails, send_after_commit
from prm.permissions import require_perm
from prm.services import apply_changes, service, validate_and_save
from prm.uploads import validate_upload

from .course_services import *  # noqa: F403  (re-exported: one place to import services from)
from .course_services import __all__ as _course_all
from .models import (
    STEP_STATES,
    Certification,
    OnboardingPlan,
    OnboardingStep,
    OnboardingTemplate,
    OnboardingTemplateStep,
    StepOwner,
    StepStatus,
)
from .permissions import COMPLETE_STEP_PERMISSIONS
from .resource_services import *  # noqa: F403
from .resource_services import __all__ as _resource_all

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from prm.accounts.models import User

logger = logging.getLogger(__name__)

#: A plan with no progress for this long is flagged for its manager.
STUCK_AFTER_DAYS = 14

__all__ = [
    "onboarding_template_create",
    "onboarding_template_update",
    "onboarding_template_step_create",
    "onboarding_template_step_update",
    "onboarding_plan_create",
    "onboarding_step_complete",
    "onboarding_plan_nudge",
    "onboarding_send_reminders",
    "STUCK_AFTER_DAYS",
    *_course_all,
    *_resource_all,
]


# --- templates -----------------------------------------------------------------------------------------------

TEMPLATE_TAKEN = "There is already a template for this partner type."


@service
def onboarding_template_create(*, actor: User, data: dict[str, Any]) -> OnboardingTemplate:
    template = OnboardingTemplate(**data)
    if OnboardingTemplate.objects.filter(partner_type=template.partner_type).exists():
        raise ValidationError({"partner_type": TEMPLATE_TAKEN})
    validate_and_save(template, unique_message={"partner_type": TEMPLATE_TAKEN})
    event_emit(name="onboarding_template.created", instance=template, actor=actor, partner_id=None)
    return template


@service
def onboarding_template_update(
    *, actor: User, template: OnboardingTemplate, data: dict[str, Any]
) -> OnboardingTemplate:
    if "partner_type" in data and (
        OnboardingTemplate.objects.filter(partner_type=data["partner_type"]).exclude(pk=template.pk).exists()
    ):
        raise ValidationError({"partner_type": TEMPLATE_TAKEN})
    changed = apply_changes(template, data)
    if changed:
        validate_and_save(template, unique_message={"partner_type": TEMPLATE_TAKEN})
        event_emit(
            name="onboarding_template.updated",
            instance=template,
            actor=actor,
            partner_id=None,
            payload={"changed": changed},
        )
    return template


@service
def onboarding_template_step_create(
    *, actor: User, template: OnboardingTemplate, data: dict[str, Any]
) -> OnboardingTemplateStep:
    data = {k: v for k, v in data.items() if k != "template"}
    if "order" not in data:
        last = template.steps.order_by("-order").values_list("order", flat=True).first()
        data["order"] = (last or 0) + 1
    step = OnboardingTemplateStep(template=template, **data)
    validate_and_save(step)
    event_emit(
        name="onboarding_template.updated",
        instance=template,
        actor=actor,
        partner_id=None,
        payload={"step_added": step.pk},
    )
    return step


@service
def onboarding_template_step_update(
    *, actor: User, step: OnboardingTemplateStep, data: dict[str, Any]
) -> OnboardingTemplateStep:
    data = {k: v for k, v in data.items() if k != "template"}  # a step never moves between templates
    changed = apply_changes(step, data)
    if changed:
        validate_and_save(step)
        event_emit(
            name="onboarding_template.updated",
            instance=step.template,
            actor=actor,
            partner_id=None,
            payload={"step_changed": step.pk, "changed": changed},
        )
    return step


# --- plans ---------------------------------------------------------------------------------------------------


@service
def onboarding_plan_create(*, actor: User | None, partner: Partner, started_on: date | None = None) -> OnboardingPlan:
    """The partner's onboarding plan from the template for its partner type. Called by application approval,
    inside its transaction. Idempotent: a partner has at most one plan, and a second call returns it.
    (A type without a template gets an empty plan, so the partner still appears on the onboarding page.)"""
    template = OnboardingTemplate.objects.filter(partner_type=partner.partner_type).first()
    existing = OnboardingPlan.objects.select_for_update().filter(partner=partner).first()
    if existing is not None:
        if existing.template_id is None and template is not None and not existing.steps.exists():
            # Made before its type had a template: the empty plan adopts the template now.
            existing.template = template
            existing.save(update_fields=["template"])
            _plan_steps_from_template(existing, template, existing.started_on)
            event_emit(
                name="onboarding.plan_updated", instance=existing, actor=actor, payload={"template": template.pk}
            )
        return existing
    started_on = started_on or timezone.localdate()
    plan = OnboardingPlan(partner=partner, template=template, started_on=started_on, last_progress_at=timezone.now())
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:  # a concurrent call made it first
        return OnboardingPlan.objects.get(partner=partner)
    count = _plan_steps_from_template(plan, template, started_on)
    event_emit(
        name="onboarding.plan_created",
        instance=plan,
        actor=actor,
        payload={"template": template.pk if template else None, "steps": count},
    )
    logger.info("onboarding.plan_created", extra={"partner_id": partner.pk, "steps": count})
    return plan


def _plan_steps_from_template(plan: OnboardingPlan, template: OnboardingTemplate | None, started_on: date) -> int:
    template_steps = list(template.steps.order_by("order", "id")) if template else []
    OnboardingStep.objects.bulk_create(
        [
            OnboardingStep(
                plan=plan,
                order=index,
                title=ts.title,
                description=ts.description,
                owner=ts.owner,
                required_course_id=ts.required_course_id,
                requires_document=ts.requires_document,
                due_on=started_on + timedelta(days=ts.due_offset_days),
            )
            for index, ts in enumerate(template_steps, start=1)
        ]
    )
    return len(template_steps)


@service
def onboarding_step_complete(
    *, actor: User, step: OnboardingStep, document: UploadedFile | None = None
) -> OnboardingStep:
    """Mark a step done. Partner users do the partner's steps, the vendor's staff do the vendor's. A course step
    needs an active certification held by one of the partner's users; a document step needs the document."""
    step = (
        OnboardingStep.objects.select_for_update(of=("self",))
        .select_related("plan__partner", "required_course")
        .get(pk=step.pk)
    )
    require_perm(actor, "onboarding.complete_step", "Your role cannot complete onboarding steps.")
    STEP_STATES.check(step.status, StepStatus.DONE)
    require_perm(
        actor,
        COMPLETE_STEP_PERMISSIONS[step.owner],
        "This step is done by the program team: your channel manager completes it, you cannot mark it done."
        if step.owner == StepOwner.VENDOR
        else "This step is the partner's to complete; you can nudge them instead.",
    )
    today = timezone.localdate()
    if (
        step.required_course_id
        and not (
            Certification.objects.active(today).filter(
                partner_id=step.plan.partner_id, course_id=step.required_course_id
            )
        ).exists()
    ):
        raise Conflict(
            f"This step needs an active “{step.required_course.title}” certification held by one of your users. "
            "Take the course under Training first."
        )
    if step.requires_document:
        if not document:
            raise ValidationError({"document": "Upload the document to complete this step."})
        validate_upload(document, field="document")
        step.document_name = os.path.basename(document.name or "document")[:255]
        step.document.save(document.name, document, save=False)
    elif document:
        raise ValidationError({"document": "This step does not take a document."})

    now = timezone.now()
    step.status = StepStatus.DONE
    step.completed_by = actor
    step.completed_at = now
    step.save(update_fields=["status", "completed_by", "completed_at", "document", "document_name"])
    event_emit(
        name="onboarding.step_completed",
        instance=step,
        actor=actor,
        partner_id=step.plan.partner_id,
        payload={"plan": step.plan_id, "title": step.title, "owner": step.owner},
    )
    _plan_progress(step.plan, actor=actor, now=now)
    return step


def _plan_progress(plan: OnboardingPlan, *, actor: User, now) -> None:
    """Recount the plan after a step moved; the last step done completes onboarding and activates the partner."""
    total = plan.steps.count()
    done = plan.steps.filter(status=StepStatus.DONE).count()
    plan.progress_percent = round(done * 100 / total) if total else 0
    plan.last_progress_at = now
    plan.stuck_since = None  # progress ends a "stuck" episode; the next one is flagged afresh
    fields = ["progress_percent", "last_progress_at", "stuck_since"]
    finished = total > 0 and done == total and plan.completed_at is None
    if finished:
        plan.completed_at = now
        fields.append("completed_at")
    plan.save(update_fields=fields)
    if not finished:
        return
    event_emit(name="onboarding.completed", instance=plan, actor=actor, payload={"steps": total})
    partner = plan.partner
    if partner.status == PartnerStatus.ONBOARDING:
        from partners.services import partner_update

        partner_update(actor=actor, partner=partner, data={"status": PartnerStatus.ACTIVE})
    logger.info("onboarding.completed", extra={"partner_id": partner.pk})


def _step_lines(steps) -> str:
    return "\n".join(f"  - {s.title} (due {s.due_on:%d %b %Y})" for s in steps)


@service
def onboarding_plan_nudge(*, actor: User, plan: OnboardingPlan) -> int:
    """Email the partner's admins the open partner steps. Returns the number of people emailed."""
    open_steps = list(plan.steps.open().filter(owner=StepOwner.PARTNER).order_by("due_on", "order"))
    if not open_steps:
        raise Conflict("The partner has no open steps to be reminded of.")
    recipients = partner_admin_emails([plan.partner_id]).get(plan.partner_id, [])
    if not recipients:
        raise Conflict("The partner has no active admin to email.")
    link = settings.SITE_URL + reverse("portal:onboarding")
    body = (
        f"Hello from {settings.PRM_PROGRAM_NAME}.\n\n"
        f"{plan.partner.name} still has {len(open_steps)} onboarding step{'s' if len(open_steps) != 1 else ''} "
        f"to finish:\n{_step_lines(open_steps)}\n\nPick up where you left off: {link}\n"
    )
    send_after_commit([(f"Your onboarding: {len(open_steps)} steps to go", body, recipients)])
    event_emit(
        name="onboarding.nudged",
        instance=plan,
        actor=actor,
        payload={"steps": [s.pk for s in open_steps], "recipients": len(recipients)},
    )
    return len(recipients)


@service
def onboarding_send_reminders(*, today: date, actor: User | None = None) -> dict[str, int]:
    """The daily job. Overdue steps are emailed (partner steps to the partner's admins, vendor steps to the
    partner's manager) at most once per step per day; plans with no progress for STUCK_AFTER_DAYS are flagged
    for their manager once per episode. A re-run the same day sends nothing."""
    overdue = list(
        OnboardingStep.objects.overdue(today)
        .filter(plan__completed_at__isnull=True)
        .exclude(last_reminded_on=today)
        .select_related("plan__partner__manager")
        .select_for_update(of=("self",))
        .order_by("plan__partner_id", "due_on", "order")
    )
    groups: dict[tuple[int, str], list[OnboardingStep]] = defaultdict(list)
    for step in overdue:
        groups[(step.plan.partner_id, step.owner)].append(step)
    admins = partner_admin_emails(pid for pid, owner in groups if owner == StepOwner.PARTNER)
    messages = []
    for (partner_id, owner), steps in groups.items():
        partner = steps[0].plan.partner
        if owner == StepOwner.PARTNER:
            recipients = admins.get(partner_id, [])
            link = settings.SITE_URL + reverse("portal:onboarding")
            subject = f"Overdue onboarding steps for {partner.name}"
            intro = f"These onboarding steps of {partner.name} are past their due date:"
        else:
            manager = partner.manager
            recipients = [manager.email] if manager and manager.is_active else []
            link = settings.SITE_URL + reverse("manage:onboarding-plan", args=[steps[0].plan_id])
            subject = f"Overdue vendor steps in {partner.name}'s onboarding"
            intro = f"These steps of {partner.name}'s onboarding are yours and past their due date:"
        if recipients:
            messages.append((subject, f"{intro}\n{_step_lines(steps)}\n\n{link}\n", recipients))
        event_emit(
            name="onboarding.steps_overdue",
            instance=steps[0].plan,
            actor=actor,
            payload={"owner": owner, "steps": [s.pk for s in steps]},
        )
    OnboardingStep.objects.filter(pk__in=[s.pk for s in overdue]).update(last_reminded_on=today)

    stuck_cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=STUCK_AFTER_DAYS), time.min))
    stuck = list(
        OnboardingPlan.objects.in_progress()
        .filter(stuck_since__isnull=True, last_progress_at__lt=stuck_cutoff, partner__status=PartnerStatus.ONBOARDING)
        .select_related("partner__manager")
        .select_for_update(of=("self",))
        .order_by("id")
    )
    for plan in stuck:
        manager = plan.partner.manager
        days = (today - timezone.localdate(plan.last_progress_at)).days
        if manager and manager.is_active:
            link = settings.SITE_URL + reverse("manage:onboarding-plan", args=[plan.pk])
            messages.append(
                (
                    f"{plan.partner.name} is stuck in onboarding",
                    f"No onboarding step of {plan.partner.name} has moved for {days} days "
                    f"({plan.progress_percent} % done). Give them a hand: {link}\n",
                    [manager.email],
                )
            )
        event_emit(name="onboarding.stuck", instance=plan, actor=actor, payload={"days_without_progress": days})
    OnboardingPlan.objects.filter(pk__in=[p.pk for p in stuck]).update(stuck_since=today)

    send_after_commit(messages)
    result = {"overdue_steps": len(overdue), "stuck_plans": len(stuck), "emails": len(messages)}
    logger.info("onboarding.reminders_sent", extra=result)
    return result
