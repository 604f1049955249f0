"""Makers for the isolation walk (tests/core/test_isolation.py): for each tenant-owned or audience-restricted
model of onboarding behind a route, a row organization A (Gold, GB) may see and a user of A who may see it.
Organization B (no tier, DE) must get a 404 for it."""

from django.core.files.base import ContentFile

from onboarding.models import (
    Certification,
    Course,
    CourseModule,
    Enrollment,
    ModuleKind,
    OnboardingPlan,
    OnboardingStep,
    QuizQuestion,
    Resource,
)
from prm.accounts.roles import Role
from tests.factories import PartnerUserFactory

from .factories import (
    PDF_BYTES,
    CertificationFactory,
    CourseFactory,
    CourseModuleFactory,
    EnrollmentFactory,
    OnboardingPlanFactory,
    OnboardingStepFactory,
    QuizChoiceFactory,
    QuizQuestionFactory,
    ResourceFactory,
)


def _admin(org):
    return PartnerUserFactory(partner=org, role=Role.PARTNER_ADMIN)


def _plan(org):
    return OnboardingPlanFactory(partner=org), _admin(org)


def _step(org):
    """A done document step: its document is downloadable by A (and the walk's GETs find a file)."""
    step = OnboardingStepFactory(plan=OnboardingPlanFactory(partner=org), requires_document=True)
    step.document.save("proof.pdf", ContentFile(PDF_BYTES), save=False)
    step.document_name = "proof.pdf"
    step.save()
    return step, _admin(org)


def _gold_course(org):
    """Courses are published to everyone unless restricted: this one is for A's tier only."""
    return CourseFactory(audience_tiers=[org.tier])


def _course(org):
    return _gold_course(org), _admin(org)


def _module(org):
    module = CourseModuleFactory(course=_gold_course(org), kind=ModuleKind.FILE, body="", file_name="slides.pdf")
    module.file.save("slides.pdf", ContentFile(PDF_BYTES), save=True)
    return module, _admin(org)


def _question(org):
    question = QuizQuestionFactory(course=_gold_course(org))
    QuizChoiceFactory(question=question, is_correct=True)
    QuizChoiceFactory(question=question)
    return question, _admin(org)


def _enrollment(org):
    user = _admin(org)
    return EnrollmentFactory(user=user, course=CourseFactory()), user


def _certification(org):
    user = _admin(org)
    return CertificationFactory(user=user, course=CourseFactory()), user


def _resource(org):
    return ResourceFactory(audience_tiers=[org.tier]), _admin(org)


MAKERS = {
    OnboardingPlan: _plan,
    OnboardingStep: _step,
    Course: _course,
    CourseModule: _module,
    QuizQuestion: _question,
    Enrollment: _enrollment,
    Certification: _certification,
    Resource: _resource,
}
