"""Fixtures of the onboarding tests: a reseller template with one step of every kind, a plan for partner A
(status onboarding) made from it by the service, and a published course with a two-question quiz."""

import pytest

from onboarding import services
from onboarding.models import StepOwner
from partners.models import PartnerStatus

from .factories import CourseFactory, OnboardingTemplateFactory, OnboardingTemplateStepFactory, make_quiz


@pytest.fixture
def course(db):
    return CourseFactory(title="Product fundamentals", pass_mark_percent=50, validity_months=12)


@pytest.fixture
def quiz(course):
    """{question id: (right choice id, wrong choice id)} of `course`."""
    return make_quiz(course, questions=2)


@pytest.fixture
def template(course):
    template = OnboardingTemplateFactory(partner_type="reseller", name="Reseller onboarding")
    OnboardingTemplateStepFactory(template=template, order=1, title="Complete your profile", due_offset_days=3)
    OnboardingTemplateStepFactory(
        template=template, order=2, title="Kick-off call", owner=StepOwner.VENDOR, due_offset_days=5
    )
    OnboardingTemplateStepFactory(
        template=template, order=3, title="Get certified", required_course=course, due_offset_days=30
    )
    OnboardingTemplateStepFactory(
        template=template, order=4, title="Upload signed NDA", requires_document=True, due_offset_days=10
    )
    return template


@pytest.fixture
def plan_a(partner_a, template, manager):
    partner_a.status = PartnerStatus.ONBOARDING
    partner_a.manager = manager
    partner_a.save()
    return services.onboarding_plan_create(actor=manager, partner=partner_a)


@pytest.fixture
def steps_a(plan_a):
    """The plan's steps by title."""
    return {s.title: s for s in plan_a.steps.all()}
