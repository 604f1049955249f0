"""Every write to announcements, read receipts, surveys and survey responses."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from prm.accounts.models import User
from prm.audience import apply_audience, split_audience
from prm.errors import Conflict
from prm.events.services import event_emit
from prm.permissions import require_perm
from prm.sanitize import clean_html
from prm.services import apply_changes, service, validate_and_save

from ..models import Announcement, AnnouncementRead, Survey, SurveyResponse

logger = logging.getLogger(__name__)


#: The serializer names the audience lists after the model's properties; prm.audience after the stored fields.
_AUDIENCE_KEYS = {"partner_types": "audience_partner_types", "countries": "audience_countries"}


def _split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain fields with the rich text sanitized, the audience for prm.audience.apply_audience)."""
    plain, audience = split_audience({_AUDIENCE_KEYS.get(key, key): value for key, value in data.items()})
    if "body" in plain:
        plain["body"] = clean_html(plain["body"])
        if not plain["body"].strip():
            raise ValidationError({"body": "Write the announcement's text."})
    return plain, audience


@service
def announcement_create(*, actor: User, data: dict[str, Any]) -> Announcement:
    plain, audience = _split(data)
    announcement = Announcement(created_by=actor)
    apply_changes(announcement, plain)
    validate_and_save(announcement)
    apply_audience(announcement, audience)
    event_emit(
        name="announcement.created",
        instance=announcement,
        actor=actor,
        payload={"title": announcement.title, "publish_at": announcement.publish_at.isoformat()},
    )
    return announcement


@service
def announcement_update(*, actor: User, announcement: Announcement, data: dict[str, Any]) -> Announcement:
    plain, audience = _split(data)
    changed = apply_changes(announcement, plain)
    if changed:
        validate_and_save(announcement)
    changed += apply_audience(announcement, audience)
    if changed:
        event_emit(name="announcement.updated", instance=announcement, actor=actor, payload={"changed": changed})
    return announcement


@service
def announcement_mark_read(*, actor: User, announcement: Announcement) -> bool:
    """Record that `actor` opened the announcement. Idempotent: True only the first time."""
    try:
        with transaction.atomic():
            _, created = AnnouncementRead.objects.get_or_create(announcement=announcement, user=actor)
    except IntegrityError:  # the same user opened it twice at once
        return False
    if created:
        event_emit(
            name="announcement.read",
            instance=announcement,
            actor=actor,
            partner_id=actor.partner_id,
            payload={"user": actor.pk},
        )
    return created


@service
def survey_create(*, actor: User, data: dict[str, Any]) -> Survey:
    survey = Survey(created_by=actor, **data)
    validate_and_save(survey)
    event_emit(name="survey.created", instance=survey, actor=actor, payload={"title": survey.title})
    return survey


@service
def survey_update(*, actor: User, survey: Survey, data: dict[str, Any]) -> Survey:
    changed = apply_changes(survey, data)
    if changed:
        validate_and_save(survey)
        event_emit(name="survey.updated", instance=survey, actor=actor, payload={"changed": changed})
    return survey


@service
def survey_respond(*, actor: User, survey: Survey, score: int, comment: str = "") -> SurveyResponse:
    """A partner user's answer; one per survey per user, only while the survey is open."""
    require_perm(actor, "survey.respond", "Only partner users answer partner surveys.")
    if not survey.is_open_on(timezone.localdate()):
        raise Conflict(f"The survey “{survey.title}” is not open (it runs {survey.opens_on} to {survey.closes_on}).")
    if SurveyResponse.objects.filter(survey=survey, user=actor).exists():
        raise Conflict("You have already answered this survey. Thank you!")
    response = SurveyResponse(survey=survey, user=actor, partner_id=actor.partner_id, score=score, comment=comment)
    validate_and_save(response, unique_message={"survey": "You have already answered this survey."})
    event_emit(name="survey.answered", instance=response, actor=actor, payload={"survey": survey.pk, "score": score})
    return response
