"""Onboarding, courses, certifications and resources, through their services."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from onboarding import services
from onboarding.models import Certification, Course, OnboardingPlan, OnboardingStep, Resource, StepStatus
from partners.models import PartnerStatus, PartnerType
from prm.errors import Conflict, InvalidTransition, NotPermitted
from prm.events.models import OutboxEvent
from tests.factories import PartnerFactory, PartnerUserFactory, TierFactory

from .factories import CertificationFactory, CourseFactory, make_quiz, pdf_upload


def _events(name):
    return list(OutboxEvent.objects.filter(name=name).order_by("id"))


def _done_except(plan, keep: str, actor_partner, actor_vendor, course_holder=None):
    """Complete every step of `plan` but the one titled `keep`."""
    for step in plan.steps.exclude(title=keep).order_by("order"):
        if step.owner == "vendor":
            services.onboarding_step_complete(actor=actor_vendor, step=step)
        elif step.requires_document:
            services.onboarding_step_complete(actor=actor_partner, step=step, document=pdf_upload())
        else:
            services.onboarding_step_complete(actor=actor_partner, step=step)


# --- plans ---------------------------------------------------------------------------------------------------


def test_a_plan_is_built_from_the_template_of_the_partners_type(plan_a, course):
    steps = list(plan_a.steps.order_by("order"))
    assert [s.title for s in steps] == ["Complete your profile", "Kick-off call", "Get certified", "Upload signed NDA"]
    assert [s.owner for s in steps] == ["partner", "vendor", "partner", "partner"]
    assert [(s.due_on - plan_a.started_on).days for s in steps] == [3, 5, 30, 10]
    assert steps[2].required_course == course and steps[2].kind == "course"
    assert steps[3].requires_document and steps[3].kind == "document"
    assert {s.status for s in steps} == {"open"} and plan_a.progress_percent == 0
    assert len(_events("onboarding.plan_created")) == 1


def test_plan_create_is_idempotent(plan_a, partner_a, manager):
    again = services.onboarding_plan_create(actor=manager, partner=partner_a)
    assert again.pk == plan_a.pk
    assert OnboardingPlan.objects.filter(partner=partner_a).count() == 1
    assert OnboardingStep.objects.filter(plan__partner=partner_a).count() == 4
    assert len(_events("onboarding.plan_created")) == 1


def test_a_type_without_a_template_gets_an_empty_plan(template, manager):
    msp = PartnerFactory(partner_type=PartnerType.MSP)
    plan = services.onboarding_plan_create(actor=manager, partner=msp)
    assert plan.template is None and plan.steps.count() == 0 and plan.completed_at is None


def test_a_template_edit_changes_new_plans_not_existing_ones(plan_a, template, program_admin):
    step = template.steps.get(title="Kick-off call")
    services.onboarding_template_step_update(actor=program_admin, step=step, data={"title": "Welcome call"})
    assert plan_a.steps.filter(title="Kick-off call").exists()
    other = PartnerFactory(partner_type=PartnerType.RESELLER)
    assert services.onboarding_plan_create(actor=program_admin, partner=other).steps.filter(title="Welcome call")


def test_one_template_per_partner_type(template, program_admin):
    with pytest.raises(ValidationError) as exc:
        services.onboarding_template_create(
            actor=program_admin, data={"name": "Second", "partner_type": PartnerType.RESELLER}
        )
    assert "partner_type" in exc.value.message_dict


def test_a_vendor_step_cannot_ask_for_a_course_or_a_document(template, program_admin, course):
    with pytest.raises(ValidationError) as exc:
        services.onboarding_template_step_create(
            actor=program_admin, template=template, data={"title": "x", "owner": "vendor", "required_course": course}
        )
    assert "owner" in exc.value.message_dict


# --- completing steps ----------------------------------------------------------------------------------------


def test_a_partner_completes_its_step_and_progress_moves(steps_a, plan_a, partner_a_rep):
    step = services.onboarding_step_complete(actor=partner_a_rep, step=steps_a["Complete your profile"])
    assert step.status == StepStatus.DONE and step.completed_by == partner_a_rep and step.completed_at
    plan_a.refresh_from_db()
    assert plan_a.progress_percent == 25
    assert _events("onboarding.step_completed")[0].partner_id == plan_a.partner_id


def test_a_partner_cannot_complete_a_vendor_step(steps_a, partner_a_admin):
    with pytest.raises(NotPermitted, match="channel manager completes it"):
        services.onboarding_step_complete(actor=partner_a_admin, step=steps_a["Kick-off call"])
    assert OnboardingStep.objects.get(pk=steps_a["Kick-off call"].pk).status == "open"


def test_staff_complete_vendor_steps_but_not_the_partners(steps_a, manager):
    services.onboarding_step_complete(actor=manager, step=steps_a["Kick-off call"])
    with pytest.raises(NotPermitted):
        services.onboarding_step_complete(actor=manager, step=steps_a["Complete your profile"])


def test_a_step_is_done_once(steps_a, partner_a_admin):
    services.onboarding_step_complete(actor=partner_a_admin, step=steps_a["Complete your profile"])
    with pytest.raises(InvalidTransition, match="already done"):
        services.onboarding_step_complete(actor=partner_a_admin, step=steps_a["Complete your profile"])


def test_a_course_step_needs_an_active_certification_of_a_user_of_the_partner(
    steps_a, course, partner_a_admin, partner_a_rep, partner_b_rep
):
    step = steps_a["Get certified"]
    with pytest.raises(Conflict, match="Product fundamentals"):
        services.onboarding_step_complete(actor=partner_a_admin, step=step)
    # another partner's certification and an expired one of our own do not count
    CertificationFactory(user=partner_b_rep, course=course)
    expired = CertificationFactory(
        user=partner_a_rep,
        course=course,
        issued_on=timezone.localdate() - timedelta(days=400),
        expires_on=timezone.localdate() - timedelta(days=1),
    )
    with pytest.raises(Conflict):
        services.onboarding_step_complete(actor=partner_a_admin, step=step)
    # a colleague's active one does
    expired.expires_on = timezone.localdate() + timedelta(days=10)
    expired.save()
    assert services.onboarding_step_complete(actor=partner_a_admin, step=step).is_done


def test_a_document_step_needs_an_allowed_upload(steps_a, partner_a_admin):
    step = steps_a["Upload signed NDA"]
    with pytest.raises(ValidationError) as exc:
        services.onboarding_step_complete(actor=partner_a_admin, step=step)
    assert exc.value.message_dict == {"document": ["Upload the document to complete this step."]}
    fake = SimpleUploadedFile("nda.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="not a .pdf file"):
        services.onboarding_step_complete(actor=partner_a_admin, step=step, document=fake)
    exe = SimpleUploadedFile("nda.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with pytest.raises(ValidationError, match="not accepted"):
        services.onboarding_step_complete(actor=partner_a_admin, step=step, document=exe)
    assert OnboardingStep.objects.get(pk=step.pk).status == "open"

    done = services.onboarding_step_complete(actor=partner_a_admin, step=step, document=pdf_upload("Signed NDA.pdf"))
    assert done.document_name == "Signed NDA.pdf"
    assert done.document.name.startswith("onboarding/") and "Signed" not in done.document.name
    assert done.document.read().startswith(b"%PDF-")


@override_settings(PRM_UPLOAD_MAX_BYTES=1024)
def test_a_too_big_document_is_refused(steps_a, partner_a_admin):
    big = pdf_upload(content=b"%PDF-" + b"0" * 2048)
    with pytest.raises(ValidationError, match="larger than"):
        services.onboarding_step_complete(actor=partner_a_admin, step=steps_a["Upload signed NDA"], document=big)


def test_the_last_step_completes_onboarding_and_activates_the_partner(
    plan_a, steps_a, partner_a, partner_a_admin, partner_a_rep, manager, course
):
    CertificationFactory(user=partner_a_rep, course=course)
    _done_except(plan_a, "Kick-off call", partner_a_admin, manager)
    plan_a.refresh_from_db()
    partner_a.refresh_from_db()
    assert plan_a.progress_percent == 75 and plan_a.completed_at is None
    assert partner_a.status == PartnerStatus.ONBOARDING

    services.onboarding_step_complete(actor=manager, step=steps_a["Kick-off call"])
    plan_a.refresh_from_db()
    partner_a.refresh_from_db()
    assert plan_a.progress_percent == 100 and plan_a.completed_at is not None
    assert partner_a.status == PartnerStatus.ACTIVE
    assert len(_events("onboarding.completed")) == 1
    changed = _events("partner.status_changed")
    assert [(e.payload["from"], e.payload["to"]) for e in changed] == [("onboarding", "active")]


def test_nudge_emails_the_partner_admins_the_open_partner_steps(
    plan_a, partner_a_admin, partner_a_rep, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after the commit
        assert services.onboarding_plan_nudge(actor=manager, plan=plan_a) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["admin@alpha.example"]
    assert "Complete your profile" in mail.outbox[0].body and "Kick-off call" not in mail.outbox[0].body
    assert len(_events("onboarding.nudged")) == 1


def test_nothing_to_nudge_about_is_a_conflict(template, manager):
    plan = services.onboarding_plan_create(actor=manager, partner=PartnerFactory(partner_type=PartnerType.MSP))
    with pytest.raises(Conflict):
        services.onboarding_plan_nudge(actor=manager, plan=plan)


# --- the daily job -------------------------------------------------------------------------------------------


def test_overdue_steps_are_emailed_once_a_day_to_the_right_people(
    plan_a, partner_a_admin, partner_a_rep, manager, django_capture_on_commit_callbacks
):
    today = plan_a.started_on + timedelta(days=6)  # profile (3 days) and kick-off (5 days) are overdue
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after the commit
        result = services.onboarding_send_reminders(today=today)
    assert result["overdue_steps"] == 2
    by_recipient = {tuple(m.to): m for m in mail.outbox}
    assert set(by_recipient) == {("admin@alpha.example",), ("cam@vendor.example",)}
    assert "Complete your profile" in by_recipient[("admin@alpha.example",)].body
    assert "Kick-off call" in by_recipient[("cam@vendor.example",)].body
    assert "Kick-off call" not in by_recipient[("admin@alpha.example",)].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.onboarding_send_reminders(today=today)["emails"] == 0
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        services.onboarding_send_reminders(today=today + timedelta(days=1))
    assert len(mail.outbox) == 2  # the next day, another reminder


def test_a_partner_with_no_progress_for_14_days_is_flagged_once_per_episode(
    plan_a, steps_a, partner_a_admin, manager, django_capture_on_commit_callbacks
):
    OnboardingPlan.objects.filter(pk=plan_a.pk).update(last_progress_at=timezone.now() - timedelta(days=15))
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after the commit
        assert services.onboarding_send_reminders(today=today)["stuck_plans"] == 1
    plan_a.refresh_from_db()
    assert plan_a.stuck_since == today
    stuck_mail = [m for m in mail.outbox if "stuck" in m.subject]
    assert len(stuck_mail) == 1 and stuck_mail[0].to == ["cam@vendor.example"]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.onboarding_send_reminders(today=today + timedelta(days=1))["stuck_plans"] == 0
    assert not [m for m in mail.outbox if "stuck" in m.subject]

    # progress ends the episode; the flag is cleared and can be raised again later
    services.onboarding_step_complete(actor=partner_a_admin, step=steps_a["Complete your profile"])
    plan_a.refresh_from_db()
    assert plan_a.stuck_since is None


# --- courses and certifications ------------------------------------------------------------------------------


def test_add_months_keeps_the_day_or_takes_the_last_of_the_month():
    assert services.add_months(date(2026, 1, 15), 12) == date(2027, 1, 15)
    assert services.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert services.add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


def test_passing_the_quiz_certifies_for_the_courses_validity(course, quiz, partner_a_rep):
    answers = {str(q): right for q, (right, _) in quiz.items()}
    attempt = services.course_attempt_submit(actor=partner_a_rep, course=course, answers=answers)
    assert attempt.score == 100 and attempt.passed
    cert = attempt.certification
    assert cert.user == partner_a_rep and cert.partner == partner_a_rep.partner
    assert cert.issued_on == timezone.localdate()
    assert cert.expires_on == services.add_months(timezone.localdate(), 12)
    assert cert.active
    assert len(_events("certification.issued")) == 1


def test_failing_answers_do_not_certify(course, quiz, partner_a_rep):
    (q1, (right1, _)), (q2, (_, wrong2)) = quiz.items()
    course.pass_mark_percent = 60
    course.save()
    attempt = services.course_attempt_submit(actor=partner_a_rep, course=course, answers={q1: right1, q2: wrong2})
    assert attempt.score == 50 and not attempt.passed and attempt.certification is None
    assert not Certification.objects.filter(user=partner_a_rep).exists()
    enrollment = partner_a_rep.enrollments.get(course=course)
    assert enrollment.best_score == 50 and enrollment.completed_at is None


def test_an_unanswered_question_counts_as_wrong(course, quiz, partner_a_rep):
    q1, (right1, _) = next(iter(quiz.items()))
    attempt = services.course_attempt_submit(actor=partner_a_rep, course=course, answers={q1: right1})
    assert attempt.score == 50


def test_answers_of_another_courses_question_are_rejected(course, quiz, partner_a_rep):
    other = make_quiz(CourseFactory(), questions=1)
    foreign_q, (foreign_right, _) = next(iter(other.items()))
    with pytest.raises(ValidationError, match="not part of this course"):
        services.course_attempt_submit(actor=partner_a_rep, course=course, answers={foreign_q: foreign_right})
    q1 = next(iter(quiz))
    with pytest.raises(ValidationError, match="not an answer to question"):
        services.course_attempt_submit(actor=partner_a_rep, course=course, answers={q1: foreign_right})


def test_passing_again_renews_the_one_certification(course, quiz, partner_a_rep):
    answers = {q: right for q, (right, _) in quiz.items()}
    first = services.course_attempt_submit(actor=partner_a_rep, course=course, answers=answers).certification
    Certification.objects.filter(pk=first.pk).update(
        issued_on=date(2024, 1, 1), expires_on=date(2025, 1, 1), expiry_reminder_sent_on=date(2024, 12, 2)
    )
    again = services.course_attempt_submit(actor=partner_a_rep, course=course, answers=answers).certification
    assert again.pk == first.pk and again.active and again.expiry_reminder_sent_on is None
    assert Certification.objects.filter(user=partner_a_rep, course=course).count() == 1


def test_staff_do_not_take_courses(course, quiz, manager):
    with pytest.raises(NotPermitted):
        services.course_enroll(actor=manager, course=course)


def test_expired_certifications_stop_counting(course, partner_a_rep, partner_a_admin):
    today = timezone.localdate()
    live = CertificationFactory(user=partner_a_rep, course=course, expires_on=today)
    CertificationFactory(user=partner_a_admin, course=course, expires_on=today - timedelta(days=1))
    assert list(Certification.objects.active()) == [live]
    assert Certification.objects.expired().count() == 1


def test_expiring_certifications_are_reminded_once(
    course, partner_a_rep, partner_a_admin, partner_b_rep, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    soon = CertificationFactory(user=partner_a_rep, course=course, expires_on=today + timedelta(days=10))
    CertificationFactory(user=partner_b_rep, course=course, expires_on=today + timedelta(days=60))  # not yet
    CertificationFactory(user=partner_a_admin, course=course, expires_on=today - timedelta(days=2))  # expired
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after the commit
        assert services.certifications_remind_expiring(today=today) == 1
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"rep@alpha.example", "admin@alpha.example"}
    assert "Product fundamentals" in mail.outbox[0].subject
    soon.refresh_from_db()
    assert soon.expiry_reminder_sent_on == today
    with django_capture_on_commit_callbacks(execute=True):
        assert services.certifications_remind_expiring(today=today) == 0
        assert services.certifications_remind_expiring(today=today + timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


def test_module_text_is_stored_sanitized(course, manager):
    module = services.course_module_create(
        actor=manager,
        course=course,
        data={"title": "Intro", "kind": "text", "body": '<p onclick="x()">Hi<script>alert(1)</script></p>'},
    )
    assert module.body == "<p>Hi</p>"


def test_a_question_needs_exactly_one_correct_choice(course, manager):
    with pytest.raises(ValidationError, match="exactly one"):
        services.quiz_question_create(
            actor=manager,
            course=course,
            data={"text": "?", "choices": [{"text": "a", "is_correct": True}, {"text": "b", "is_correct": True}]},
        )


# --- resources -----------------------------------------------------------------------------------------------


def test_a_new_file_or_link_makes_a_new_version_and_keeps_the_history(manager, gold_tier):
    resource = services.resource_create(
        actor=manager,
        data={"title": "Price list", "category": "price_list", "file": pdf_upload("prices-2026.pdf")},
    )
    assert resource.current_version.number == 1 and resource.current_version.file_name == "prices-2026.pdf"
    v2 = services.resource_version_add(actor=manager, resource=resource, url="https://example.com/prices", note="Q3")
    resource.refresh_from_db()
    assert resource.current_version == v2 and v2.number == 2 and v2.kind == "link"
    assert list(resource.versions.values_list("number", flat=True)) == [2, 1]


def test_a_resource_needs_a_file_or_a_link(manager):
    with pytest.raises(ValidationError) as exc:
        services.resource_create(actor=manager, data={"title": "Nothing", "category": "sales"})
    assert "file" in exc.value.message_dict
    assert not Resource.objects.exists()


def test_audience_restrictions_by_tier_type_and_country(manager, gold_tier, partner_a, partner_b):
    silver = TierFactory(name="Silver", rank=2)
    make = services.resource_create
    everyone = make(actor=manager, data={"title": "Everyone", "category": "sales", "url": "https://e.example"})
    gold = make(
        actor=manager,
        data={"title": "Gold", "category": "sales", "url": "https://g.example", "audience_tiers": [gold_tier]},
    )
    silver_only = make(
        actor=manager,
        data={"title": "Silver", "category": "sales", "url": "https://s.example", "audience_tiers": [silver]},
    )
    german = make(
        actor=manager,
        data={"title": "DE", "category": "sales", "url": "https://d.example", "audience_countries": ["DE"]},
    )
    msp = make(
        actor=manager,
        data={"title": "MSP", "category": "sales", "url": "https://m.example", "audience_partner_types": ["msp"]},
    )
    reseller_gb_gold = make(
        actor=manager,
        data={
            "title": "All three",
            "category": "sales",
            "url": "https://a.example",
            "audience_tiers": [gold_tier, silver],
            "audience_partner_types": ["reseller", "msp"],
            "audience_countries": ["GB", "FR"],
        },
    )

    def seen(partner):
        return set(Resource.audience_filter(Resource.objects.all(), partner))

    assert seen(partner_a) == {everyone, gold, reseller_gb_gold}
    assert seen(partner_b) == {everyone, german}
    assert silver_only not in seen(partner_a) and msp not in seen(partner_a)


def test_downloads_are_counted_per_partner(manager, partner_a, partner_b):
    resource = services.resource_create(
        actor=manager, data={"title": "Deck", "category": "sales", "url": "https://d.example"}
    )
    for _ in range(3):
        services.resource_download_record(resource=resource, partner=partner_a)
    services.resource_download_record(resource=resource, partner=partner_b)
    services.resource_download_record(resource=resource, partner=None)  # staff: not counted
    counts = dict(resource.downloads.values_list("partner_id", "count"))
    assert counts == {partner_a.pk: 3, partner_b.pk: 1}


def test_courses_unpublished_are_hidden_from_partners(partner_a):
    CourseFactory(title="Draft", published=False)
    visible = CourseFactory(title="Live")
    assert list(Course.audience_filter(Course.objects.all(), partner_a)) == [visible]


def test_a_certification_belongs_to_the_users_partner(course, partner_b):
    user_b = PartnerUserFactory(partner=partner_b)
    cert = services.certification_issue(actor=None, user=user_b, course=course)
    assert cert.partner == partner_b


def test_an_empty_plan_made_before_its_template_adopts_it_later(manager, program_admin):
    msp = PartnerFactory(partner_type=PartnerType.MSP)
    plan = services.onboarding_plan_create(actor=manager, partner=msp)
    assert plan.steps.count() == 0
    template = services.onboarding_template_create(actor=program_admin, data={"name": "MSP", "partner_type": "msp"})
    services.onboarding_template_step_create(actor=program_admin, template=template, data={"title": "Sign MSP terms"})
    again = services.onboarding_plan_create(actor=manager, partner=msp)
    assert again.pk == plan.pk and again.template == template
    assert list(again.steps.values_list("title", flat=True)) == ["Sign MSP terms"]
    services.onboarding_plan_create(actor=manager, partner=msp)
    assert again.steps.count() == 1
