"""Every write to courses, modules, quizzes, enrollments and certifications. Quiz answers are checked here, on
the server: the correct choices never leave it for a partner."""

from __future__ import annotations

import calendar
import logging
import os
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from prm.audience import apply_audience, split_audience
from prm.errors import Conflict
from prm.events.services import event_emit
from prm.notify import partner_admin_emails, send_after_commit
from prm.permissions import require_perm
from prm.sanitize import clean_html
from prm.services import apply_changes, service, validate_and_save
from prm.uploads import validate_upload

from .models import Certification, Course, CourseModule, Enrollment, QuizAttempt, QuizChoice, QuizQuestion

if TYPE_CHECKING:
    from prm.accounts.models import User

logger = logging.getLogger(__name__)

#: Certifications expiring within this many days are reminded (once).
CERTIFICATION_REMINDER_DAYS = 30

__all__ = [
    "add_months",
    "course_create",
    "course_update",
    "course_module_create",
    "course_module_update",
    "quiz_question_create",
    "quiz_question_update",
    "course_enroll",
    "course_attempt_submit",
    "certification_issue",
    "certifications_remind_expiring",
    "CERTIFICATION_REMINDER_DAYS",
]


def add_months(day: date, months: int) -> date:
    """`day` plus whole months; the 31st of a shorter month becomes its last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- courses -------------------------------------------------------------------------------------------------


@service
def course_create(*, actor: User, data: dict[str, Any]) -> Course:
    plain, audience = split_audience(data)
    course = Course(**plain)
    validate_and_save(course)
    apply_audience(course, audience)
    event_emit(name="course.created", instance=course, actor=actor, partner_id=None, payload={"title": course.title})
    return course


@service
def course_update(*, actor: User, course: Course, data: dict[str, Any]) -> Course:
    plain, audience = split_audience(data)
    changed = apply_changes(course, plain)
    if changed:
        validate_and_save(course)
    changed += apply_audience(course, audience)
    if changed:
        event_emit(name="course.updated", instance=course, actor=actor, partner_id=None, payload={"changed": changed})
    return course


def _module_content(module: CourseModule, data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    upload = data.pop("file", None)
    if "body" in data:
        data["body"] = clean_html(data["body"] or "")
    if upload:
        validate_upload(upload, field="file")
        module.file.save(upload.name, upload, save=False)
        module.file_name = os.path.basename(upload.name)[:255]
    return data


@service
def course_module_create(*, actor: User, course: Course, data: dict[str, Any]) -> CourseModule:
    data = {k: v for k, v in data.items() if k != "course"}
    module = CourseModule(course=course)
    data = _module_content(module, data)
    if "order" not in data:
        data["order"] = (course.modules.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    apply_changes(module, data)
    validate_and_save(module)
    event_emit(
        name="course.updated", instance=course, actor=actor, partner_id=None, payload={"module_added": module.pk}
    )
    return module


@service
def course_module_update(*, actor: User, module: CourseModule, data: dict[str, Any]) -> CourseModule:
    data = {k: v for k, v in data.items() if k != "course"}
    new_file = bool(data.get("file"))
    changed = apply_changes(module, _module_content(module, data))
    if changed or new_file:
        validate_and_save(module)
        event_emit(
            name="course.updated",
            instance=module.course,
            actor=actor,
            partner_id=None,
            payload={"module_changed": module.pk},
        )
    return module


def _check_choices(choices: list[dict[str, Any]]) -> None:
    if len(choices) < 2:
        raise ValidationError({"choices": "A question needs at least two choices."})
    if sum(1 for c in choices if c.get("is_correct")) != 1:
        raise ValidationError({"choices": "Mark exactly one choice as the correct answer."})
    if any(not (c.get("text") or "").strip() for c in choices):
        raise ValidationError({"choices": "Every choice needs a text."})


def _write_choices(question: QuizQuestion, choices: list[dict[str, Any]]) -> None:
    question.choices.all().delete()
    QuizChoice.objects.bulk_create(
        [
            QuizChoice(question=question, order=i, text=c["text"].strip(), is_correct=bool(c.get("is_correct")))
            for i, c in enumerate(choices, start=1)
        ]
    )


@service
def quiz_question_create(*, actor: User, course: Course, data: dict[str, Any]) -> QuizQuestion:
    data = {k: v for k, v in data.items() if k != "course"}
    choices = data.pop("choices", None) or []
    _check_choices(choices)
    if "order" not in data:
        data["order"] = (course.questions.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    question = QuizQuestion(course=course, **data)
    validate_and_save(question)
    _write_choices(question, choices)
    event_emit(
        name="course.updated", instance=course, actor=actor, partner_id=None, payload={"question_added": question.pk}
    )
    return question


@service
def quiz_question_update(*, actor: User, question: QuizQuestion, data: dict[str, Any]) -> QuizQuestion:
    data = {k: v for k, v in data.items() if k != "course"}
    choices = data.pop("choices", None)
    changed = apply_changes(question, data)
    if changed:
        validate_and_save(question)
    if choices is not None:
        _check_choices(choices)
        _write_choices(question, choices)
        changed.append("choices")
    if changed:
        event_emit(
            name="course.updated",
            instance=question.course,
            actor=actor,
            partner_id=None,
            payload={"question_changed": question.pk},
        )
    return question


# --- taking a course -----------------------------------------------------------------------------------------


def _learner(actor: User) -> None:
    require_perm(actor, "course.take", "Courses are taken by partner users.")


@service
def course_enroll(*, actor: User, course: Course) -> Enrollment:
    """Idempotent: enrolling twice returns the first enrollment."""
    _learner(actor)
    if not course.published:
        raise Conflict("This course is not published yet.")
    enrollment = Enrollment.objects.filter(user=actor, course=course).first()
    if enrollment is not None:
        return enrollment
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(partner_id=actor.partner_id, user=actor, course=course)
    except IntegrityError:
        return Enrollment.objects.get(user=actor, course=course)
    event_emit(name="course.enrolled", instance=enrollment, actor=actor, payload={"course": course.pk})
    return enrollment


def _parse_answers(course: Course, answers: Any) -> tuple[dict[int, int], dict[int, set[int]], dict[int, int]]:
    """({question: chosen choice}, {question: its choice ids}, {question: correct choice}); bad ids are a 400."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Send an object of question id → choice id."})
    choices_of: dict[int, set[int]] = {}
    correct: dict[int, int] = {}
    for question_id, choice_id, is_correct in QuizChoice.objects.filter(question__course=course).values_list(
        "question_id", "id", "is_correct"
    ):
        choices_of.setdefault(question_id, set()).add(choice_id)
        if is_correct:
            correct[question_id] = choice_id
    chosen: dict[int, int] = {}
    for raw_question, raw_choice in answers.items():
        try:
            question_id, choice_id = int(raw_question), int(raw_choice)
        except (TypeError, ValueError):
            raise ValidationError({"answers": f"“{raw_question}: {raw_choice}” is not a question id and a choice id."})
        if question_id not in choices_of:
            raise ValidationError({"answers": f"Question {question_id} is not part of this course."})
        if choice_id not in choices_of[question_id]:
            raise ValidationError({"answers": f"Choice {choice_id} is not an answer to question {question_id}."})
        chosen[question_id] = choice_id
    return chosen, choices_of, correct


@service
def course_attempt_submit(*, actor: User, course: Course, answers: dict[Any, Any]) -> QuizAttempt:
    """Score a quiz on the server. A pass at or above the course's pass mark certifies the user (or renews the
    certification) for the course's validity. The attempt carries `.certification` (None when failed)."""
    _learner(actor)
    chosen, choices_of, correct = _parse_answers(course, answers)
    if not choices_of:
        raise Conflict("This course has no quiz yet.")
    enrollment = course_enroll(actor=actor, course=course)
    right = sum(1 for q, c in chosen.items() if correct.get(q) == c)
    score = round(right * 100 / len(choices_of))
    passed = score >= course.pass_mark_percent
    attempt = QuizAttempt.objects.create(
        partner_id=actor.partner_id,
        user=actor,
        course=course,
        score=score,
        passed=passed,
        answers={str(q): c for q, c in chosen.items()},
    )
    enrollment.best_score = max(enrollment.best_score or 0, score)
    fields = ["best_score"]
    if passed and enrollment.completed_at is None:
        enrollment.completed_at = timezone.now()
        fields.append("completed_at")
    enrollment.save(update_fields=fields)
    event_emit(
        name="course.attempted",
        instance=attempt,
        actor=actor,
        payload={"course": course.pk, "score": score, "passed": passed},
    )
    attempt.certification = certification_issue(actor=actor, user=actor, course=course, score=score) if passed else None
    return attempt


@service
def certification_issue(
    *, actor: User | None, user: User, course: Course, issued_on: date | None = None, score: int | None = None
) -> Certification:
    """Certify `user` for `course` from `issued_on` for the course's validity; an existing one is renewed."""
    if not user.partner_id:
        raise ValidationError({"user": "Only partner users are certified."})
    issued_on = issued_on or timezone.localdate()
    expires_on = add_months(issued_on, course.validity_months)
    certification, created = Certification.objects.select_for_update().get_or_create(
        user=user,
        course=course,
        defaults={"partner_id": user.partner_id, "issued_on": issued_on, "expires_on": expires_on, "score": score},
    )
    if not created:
        certification.partner_id = user.partner_id
        certification.issued_on, certification.expires_on, certification.score = issued_on, expires_on, score
        certification.expiry_reminder_sent_on = None  # a renewed certification earns a fresh reminder
        certification.save()
    event_emit(
        name="certification.issued",
        instance=certification,
        actor=actor,
        payload={
            "user": user.pk,
            "course": course.pk,
            "expires_on": expires_on.isoformat(),
            "renewed": not created,
        },
    )
    return certification


@service
def certifications_remind_expiring(*, today: date, actor: User | None = None) -> int:
    """Email the holder (and the partner's admins) of each certification that expires within
    CERTIFICATION_REMINDER_DAYS and was not reminded yet. Idempotent; returns how many were reminded."""
    due = list(
        Certification.objects.expiring_within(today, CERTIFICATION_REMINDER_DAYS)
        .filter(expiry_reminder_sent_on__isnull=True)
        .select_related("user", "course", "partner")
        .select_for_update(of=("self",))
        .order_by("id")
    )
    if not due:
        return 0
    admins = partner_admin_emails(c.partner_id for c in due)
    link = settings.SITE_URL + reverse("portal:courses")
    messages = []
    for cert in due:
        recipients = sorted({cert.user.email, *admins.get(cert.partner_id, [])}) if cert.user.is_active else []
        days_left = (cert.expires_on - today).days
        if recipients:
            messages.append(
                (
                    f"Certification expiring in {days_left} days: {cert.course.title}",
                    f"{cert.user.display_name}'s “{cert.course.title}” certification expires on "
                    f"{cert.expires_on:%d %B %Y}. Retake the quiz to renew it: {link}\n",
                    recipients,
                )
            )
        event_emit(
            name="certification.expiring",
            instance=cert,
            actor=actor,
            payload={"expires_on": cert.expires_on.isoformat(), "days_left": days_left},
        )
    Certification.objects.filter(pk__in=[c.pk for c in due]).update(expiry_reminder_sent_on=today)
    send_after_commit(messages)
    logger.info("certifications.reminded", extra={"count": len(due)})
    return len(due)
