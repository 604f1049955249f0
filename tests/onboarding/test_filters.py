"""The onboarding app's filtersets, one filter at a time; and the list bugs: the onboarding filter bar that
emptied the list, huge ids that crashed the steps and quiz endpoints."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from onboarding.filters import (
    CertificationFilterSet,
    CourseFilterSet,
    CourseModuleFilterSet,
    EnrollmentFilterSet,
    OnboardingStepFilterSet,
    QuizQuestionFilterSet,
)
from onboarding.models import ResourceCategory, StepOwner, StepStatus
from onboarding.selectors import plan_list, resource_list
from partners.models import PartnerStatus, PartnerType

from ..factories import PartnerFactory, PartnerUserFactory
from .factories import (
    CertificationFactory,
    CourseFactory,
    CourseModuleFactory,
    EnrollmentFactory,
    OnboardingPlanFactory,
    OnboardingStepFactory,
    QuizQuestionFactory,
    ResourceFactory,
)

HUGE = "-749920236982043324448768"


def _rows(filterset_class, actor, **params) -> list:
    filterset = filterset_class(params, actor=actor)
    assert filterset.is_valid(), filterset.errors
    return sorted(row.pk for row in filterset.qs)


# --- plans ---------------------------------------------------------------------------------------------------


@pytest.fixture
def plans(partner_a, partner_b, manager):
    partner_b.manager = manager
    partner_b.save(update_fields=["manager"])
    today = timezone.localdate()
    charlie = PartnerFactory(name="Charlie MSP", partner_type=PartnerType.MSP, status=PartnerStatus.ONBOARDING)
    alpha = OnboardingPlanFactory(partner=partner_a)
    OnboardingStepFactory(plan=alpha, status=StepStatus.OPEN, due_on=today - timedelta(days=3))
    bravo = OnboardingPlanFactory(partner=partner_b, completed_at=timezone.now())
    stuck = OnboardingPlanFactory(partner=charlie, stuck_since=timezone.now() - timedelta(days=20))
    return {"alpha": alpha, "bravo": bravo, "charlie": stuck}


class TestOnboardingPlanFilterSet:
    def _names(self, actor, **params):
        return sorted(p.partner.name for p in plan_list(actor=actor, params=params).queryset)

    def test_search_by_partner_name(self, manager, plans):
        assert self._names(manager, search="alpha") == ["Alpha Networks"]

    def test_state(self, manager, plans):
        assert self._names(manager, state="completed") == ["Bravo Systems"]
        assert self._names(manager, state="in_progress") == ["Alpha Networks", "Charlie MSP"]
        assert self._names(manager, state="stuck") == ["Charlie MSP"]
        assert self._names(manager, state="overdue") == ["Alpha Networks"]

    def test_partner(self, manager, plans, partner_b):
        assert self._names(manager, partner=partner_b.pk) == ["Bravo Systems"]

    def test_partner_type(self, manager, plans):
        assert self._names(manager, partner_type=PartnerType.MSP) == ["Charlie MSP"]

    def test_partner_status(self, manager, plans):
        assert self._names(manager, partner_status=PartnerStatus.ONBOARDING) == ["Charlie MSP"]

    def test_manager(self, manager, plans):
        assert self._names(manager, manager=manager.pk) == ["Bravo Systems"]

    def test_completed(self, manager, plans):
        assert self._names(manager, completed="true") == ["Bravo Systems"]

    def test_stuck(self, manager, plans):
        assert self._names(manager, stuck="true") == ["Charlie MSP"]

    def test_sort(self, manager, plans):
        assert [p.partner.name for p in plan_list(actor=manager, params={"sort": "-partner"}).queryset] == [
            "Charlie MSP",
            "Bravo Systems",
            "Alpha Networks",
        ]


class TestOnboardingListWithAnyLeft:
    """The filter bar sends every select, "Any" as an empty value: the list emptied as soon as it was used."""

    def test_htmx_filter_form_with_any_left_shows_every_plan(self, page_client, manager, plans):
        response = page_client.as_user(manager).get(
            reverse("manage:onboarding"),
            {"search": "", "state": "", "partner_type": "", "partner_status": "", "manager": "", "sort": "overdue"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == 3
        assert "Charlie MSP" in response.content.decode()


# --- steps, courses, enrollments, certifications -------------------------------------------------------------


class TestOnboardingStepFilterSet:
    @pytest.fixture
    def steps(self, plans):
        return {
            "alpha_partner": plans["alpha"].steps.get(),
            "bravo_vendor": OnboardingStepFactory(
                plan=plans["bravo"], owner=StepOwner.VENDOR, status=StepStatus.DONE, completed_at=timezone.now()
            ),
        }

    def test_plan(self, manager, steps, plans):
        assert _rows(OnboardingStepFilterSet, manager, plan=plans["bravo"].pk) == [steps["bravo_vendor"].pk]

    def test_partner(self, manager, steps, partner_a):
        assert _rows(OnboardingStepFilterSet, manager, partner=partner_a.pk) == [steps["alpha_partner"].pk]

    def test_status(self, manager, steps):
        assert _rows(OnboardingStepFilterSet, manager, status=StepStatus.DONE) == [steps["bravo_vendor"].pk]

    def test_owner(self, manager, steps):
        assert _rows(OnboardingStepFilterSet, manager, owner=StepOwner.PARTNER) == [steps["alpha_partner"].pk]

    def test_huge_plan_is_a_400(self, api, manager, steps):
        response = api.as_user(manager).get(reverse("onboardingstep-list"), {"plan": HUGE})
        assert response.status_code == 400
        assert "plan" in response.json()


@pytest.fixture
def courses():
    return {
        "sales": CourseFactory(title="Selling the platform", description="Discovery calls"),
        "draft": CourseFactory(title="Draft course", published=False),
    }


class TestCourseFilterSets:
    def test_course_search(self, manager, courses):
        assert _rows(CourseFilterSet, manager, search="discovery") == [courses["sales"].pk]

    def test_course_published(self, manager, courses):
        assert _rows(CourseFilterSet, manager, published="false") == [courses["draft"].pk]

    def test_module_course(self, manager, courses):
        module = CourseModuleFactory(course=courses["sales"])
        CourseModuleFactory(course=courses["draft"])
        assert _rows(CourseModuleFilterSet, manager, course=courses["sales"].pk) == [module.pk]

    def test_quiz_question_course(self, manager, courses):
        question = QuizQuestionFactory(course=courses["sales"])
        QuizQuestionFactory(course=courses["draft"])
        assert _rows(QuizQuestionFilterSet, manager, course=courses["sales"].pk) == [question.pk]

    def test_quiz_question_huge_course_is_a_400(self, api, manager, courses):
        QuizQuestionFactory(course=courses["sales"])
        response = api.as_user(manager).get(reverse("quizquestion-list"), {"course": HUGE})
        assert response.status_code == 400
        assert "course" in response.json()


class TestEnrollmentAndCertificationFilterSets:
    @pytest.fixture
    def people(self, partner_a, partner_b, courses):
        alice = PartnerUserFactory(partner=partner_a)
        bob = PartnerUserFactory(partner=partner_b)
        return {
            "alice": alice,
            "bob": bob,
            "alice_enrolled": EnrollmentFactory(user=alice, course=courses["sales"]),
            "bob_enrolled": EnrollmentFactory(user=bob, course=courses["draft"]),
            "alice_cert": CertificationFactory(user=alice, course=courses["sales"]),
            "bob_expired": CertificationFactory(
                user=bob, course=courses["draft"], issued_on=timezone.localdate() - timedelta(days=400)
            ),
        }

    def test_enrollment_user(self, manager, people):
        assert _rows(EnrollmentFilterSet, manager, user=people["bob"].pk) == [people["bob_enrolled"].pk]

    def test_enrollment_course(self, manager, people, courses):
        assert _rows(EnrollmentFilterSet, manager, course=courses["sales"].pk) == [people["alice_enrolled"].pk]

    def test_certification_user(self, manager, people):
        assert _rows(CertificationFilterSet, manager, user=people["alice"].pk) == [people["alice_cert"].pk]

    def test_certification_course(self, manager, people, courses):
        assert _rows(CertificationFilterSet, manager, course=courses["draft"].pk) == [people["bob_expired"].pk]

    def test_certification_partner(self, manager, people, partner_b):
        assert _rows(CertificationFilterSet, manager, partner=partner_b.pk) == [people["bob_expired"].pk]

    def test_certification_active(self, manager, people):
        assert _rows(CertificationFilterSet, manager, active="true") == [people["alice_cert"].pk]
        assert _rows(CertificationFilterSet, manager, active="false") == [people["bob_expired"].pk]

    def test_user_choices_are_the_actors_organization(self, partner_a_admin, people):
        assert not EnrollmentFilterSet({"user": people["bob"].pk}, actor=partner_a_admin).is_valid()


# --- resources -----------------------------------------------------------------------------------------------


class TestResourceFilterSet:
    @pytest.fixture
    def resources(self):
        return {
            "deck": ResourceFactory(title="Pitch deck", category=ResourceCategory.SALES),
            "prices": ResourceFactory(title="Price list 2026", category=ResourceCategory.PRICE_LIST),
        }

    def _titles(self, actor, **params):
        return sorted(r.title for r in resource_list(actor=actor, params=params).queryset)

    def test_search(self, manager, resources):
        assert self._titles(manager, search="pitch") == ["Pitch deck"]

    def test_category(self, manager, resources):
        assert self._titles(manager, category=ResourceCategory.PRICE_LIST) == ["Price list 2026"]

    def test_empty_category_is_every_resource(self, manager, resources):
        assert self._titles(manager, category="", search=" ") == ["Pitch deck", "Price list 2026"]
