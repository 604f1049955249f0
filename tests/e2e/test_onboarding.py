"""Onboard and enable, in a real browser: a new partner works through its onboarding checklist (a plain step
and a document upload), passes a course quiz and sees its certification, completes the course step with it;
its channel manager then sees the progress, does the vendor's step and the partner becomes active."""

import re

import pytest
from playwright.sync_api import expect

from onboarding import services
from onboarding.models import StepOwner
from partners.models import PartnerStatus
from tests.onboarding.factories import (
    PDF_BYTES,
    CourseFactory,
    CourseModuleFactory,
    OnboardingTemplateFactory,
    OnboardingTemplateStepFactory,
    make_quiz,
)

from .conftest import login, shot

pytestmark = pytest.mark.e2e


@pytest.fixture
def onboarding_alpha(partner_a, partner_a_admin, manager):
    course = CourseFactory(title="Platform fundamentals", pass_mark_percent=80)
    CourseModuleFactory(course=course, title="Why customers buy", body="<p>They connect their tools.</p>")
    quiz = make_quiz(course, questions=2)
    template = OnboardingTemplateFactory(partner_type=partner_a.partner_type, name="Reseller onboarding")
    OnboardingTemplateStepFactory(template=template, order=1, title="Complete your company profile")
    OnboardingTemplateStepFactory(template=template, order=2, title="Kick-off call", owner=StepOwner.VENDOR)
    OnboardingTemplateStepFactory(
        template=template, order=3, title="Upload the signed agreement", requires_document=True
    )
    OnboardingTemplateStepFactory(template=template, order=4, title="Get certified", required_course=course)
    partner_a.status = PartnerStatus.ONBOARDING
    partner_a.manager = manager
    partner_a.save()
    plan = services.onboarding_plan_create(actor=manager, partner=partner_a)
    return {s.title: s for s in plan.steps.all()}, course, quiz


def test_a_partner_onboards_gets_certified_and_the_manager_sees_it(
    page, live_server, partner_a_admin, manager, onboarding_alpha
):
    steps, course, quiz = onboarding_alpha
    login(page, live_server, partner_a_admin)
    page.locator("#sidebar").get_by_role("link", name="Onboarding").click()
    expect(page).to_have_url(f"{live_server.url}/portal/onboarding/")
    expect(page.get_by_role("heading", name="Onboarding")).to_be_visible()
    expect(page.get_by_test_id("progress-percent")).to_have_text("0 %")
    vendor_row = page.get_by_test_id(f"step-{steps['Kick-off call'].pk}")
    expect(vendor_row).to_contain_text("Your channel manager completes this.")
    expect(vendor_row.get_by_role("button")).to_have_count(0)
    shot(page, "onboarding-01-partner-checklist")

    page.get_by_test_id(f"complete-{steps['Complete your company profile'].pk}").click()
    expect(page.get_by_role("alert")).to_contain_text("“Complete your company profile” is done. 25 % complete.")

    document_step = steps["Upload the signed agreement"]
    page.get_by_test_id(f"document-{document_step.pk}").set_input_files(
        {"name": "signed-agreement.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_test_id(f"complete-{document_step.pk}").click()
    expect(page.get_by_role("alert")).to_contain_text("50 % complete")
    expect(page.get_by_test_id(f"step-{document_step.pk}")).to_contain_text("signed-agreement.pdf")

    course_step = steps["Get certified"]
    page.get_by_test_id(f"complete-{course_step.pk}").click()
    expect(page.get_by_role("alert")).to_contain_text("needs an active “Platform fundamentals” certification")
    shot(page, "onboarding-02-partner-steps-done")

    page.locator("#sidebar").get_by_role("link", name="Training").click()
    expect(page).to_have_url(f"{live_server.url}/portal/training/")
    page.get_by_role("link", name="Platform fundamentals").click()
    expect(page.get_by_text("They connect their tools.")).to_be_visible()
    for right, _wrong in quiz.values():
        page.locator(f"label[for='c{right}']").click()
    shot(page, "onboarding-03-quiz")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("alert")).to_contain_text("You passed with 100 %")
    expect(page.get_by_test_id("certification")).to_contain_text("Certified until")
    shot(page, "onboarding-04-passed")

    page.locator("#sidebar").get_by_role("link", name="Training").click()
    certifications = page.get_by_test_id("my-certifications")
    expect(certifications).to_contain_text("Platform fundamentals")
    expect(certifications).to_contain_text("Active")
    shot(page, "onboarding-05-my-certifications")

    page.locator("#sidebar").get_by_role("link", name="Onboarding").click()
    page.get_by_test_id(f"complete-{course_step.pk}").click()
    expect(page.get_by_role("alert")).to_contain_text("75 % complete")

    page.get_by_role("button", name="Sign out").first.click()
    login(page, live_server, manager)
    page.locator("#sidebar").get_by_role("link", name="Onboarding").click()
    expect(page).to_have_url(re.compile(r"/manage/onboarding/"))
    row = page.get_by_test_id("plan-table").get_by_role("row").filter(has_text="Alpha Networks")
    expect(row).to_contain_text("75 %")
    expect(row).to_contain_text("3 of 4 steps")
    shot(page, "onboarding-06-manager-overview")

    row.get_by_role("link", name="Alpha Networks").click()
    expect(page.get_by_test_id("partner-name")).to_have_text("Alpha Networks")
    expect(page.get_by_test_id(f"step-{document_step.pk}")).to_contain_text("signed-agreement.pdf")
    page.get_by_test_id(f"complete-{steps['Kick-off call'].pk}").click()
    expect(page.get_by_role("alert")).to_contain_text("“Kick-off call” is done.")
    expect(page.get_by_test_id("progress-percent")).to_have_text("100 %")
    expect(page.locator("main")).to_contain_text("Active")
    shot(page, "onboarding-07-manager-plan-complete")
