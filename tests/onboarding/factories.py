"""Factories of onboarding and enablement rows. Rows with rules (plans from templates, certifications from a
passed quiz) are made through the services in tests; these give the plain building blocks."""

from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from onboarding.models import (
    Certification,
    Course,
    CourseModule,
    Enrollment,
    ModuleKind,
    OnboardingPlan,
    OnboardingStep,
    OnboardingTemplate,
    OnboardingTemplateStep,
    QuizChoice,
    QuizQuestion,
    Resource,
    ResourceCategory,
    ResourceVersion,
    StepOwner,
)
from partners.models import PartnerType
from tests.factories import PartnerFactory, PartnerUserFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "document.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class OnboardingTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnboardingTemplate
        django_get_or_create = ("partner_type",)

    name = factory.LazyAttribute(lambda o: f"{o.partner_type.title()} onboarding")
    partner_type = PartnerType.RESELLER


class OnboardingTemplateStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnboardingTemplateStep

    template = factory.SubFactory(OnboardingTemplateFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Template step {n}")
    owner = StepOwner.PARTNER
    due_offset_days = 7


class OnboardingPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnboardingPlan

    partner = factory.SubFactory(PartnerFactory)


class OnboardingStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnboardingStep

    plan = factory.SubFactory(OnboardingPlanFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Step {n}")
    owner = StepOwner.PARTNER
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Course {n}")
    description = "What every partner should know."
    pass_mark_percent = 80
    validity_months = 12
    published = True

    @factory.post_generation
    def audience_tiers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.audience_tiers.set(extracted)


class CourseModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseModule

    course = factory.SubFactory(CourseFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Module {n}")
    kind = ModuleKind.TEXT
    body = "<p>Read this.</p>"


class QuizQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizQuestion

    course = factory.SubFactory(CourseFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Question {n}?")


class QuizChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizChoice

    question = factory.SubFactory(QuizQuestionFactory)
    text = factory.Sequence(lambda n: f"Answer {n}")
    is_correct = False


def make_quiz(course: Course, questions: int = 2) -> dict[int, tuple[int, int]]:
    """`questions` questions with one right and one wrong choice: {question id: (right id, wrong id)}."""
    quiz = {}
    for _ in range(questions):
        question = QuizQuestionFactory(course=course)
        right = QuizChoiceFactory(question=question, is_correct=True)
        wrong = QuizChoiceFactory(question=question, is_correct=False)
        quiz[question.pk] = (right.pk, wrong.pk)
    return quiz


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(PartnerUserFactory)
    partner = factory.LazyAttribute(lambda o: o.user.partner)
    course = factory.SubFactory(CourseFactory)


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    user = factory.SubFactory(PartnerUserFactory)
    partner = factory.LazyAttribute(lambda o: o.user.partner)
    course = factory.SubFactory(CourseFactory)
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    expires_on = factory.LazyAttribute(lambda o: o.issued_on + timedelta(days=365))


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Resource {n}")
    category = ResourceCategory.SALES

    @factory.post_generation
    def audience_tiers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.audience_tiers.set(extracted)

    @factory.post_generation
    def version(obj, create, extracted, **kwargs):
        """Every resource gets a first version: a small PDF (or `version__url=...` for a link)."""
        if not create:
            return
        url = kwargs.get("url", "")
        version = ResourceVersion(resource=obj, number=1, url=url)
        if not url:
            version.file_name = f"{obj.title}.pdf"
            version.file.save("resource.pdf", ContentFile(PDF_BYTES), save=False)
        version.save()
        obj.current_version = version
        obj.save(update_fields=["current_version"])
