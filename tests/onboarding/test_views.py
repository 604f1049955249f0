"""The pages: the partner's onboarding checklist, training and resources; the manager's onboarding overview,
plan page, course editor and resource library."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from onboarding import services
from onboarding.models import Certification, Course, OnboardingPlan, OnboardingStep, Resource, ResourceDownload
from partners.models import PartnerStatus, PartnerType
from tests.factories import PartnerFactory

from .factories import CourseModuleFactory, ResourceFactory, pdf_upload


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- partner portal ------------------------------------------------------------------------------------------


def test_the_portal_shows_the_plan_and_completes_a_partner_step(page_client, plan_a, steps_a, partner_a_admin):
    client = page_client.as_user(partner_a_admin)
    page = client.get(reverse("portal:onboarding"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Complete your profile" in html and "Your channel manager completes this." in html

    step = steps_a["Complete your profile"]
    response = client.post(reverse("portal:onboarding-step-complete", args=[step.pk]), follow=True)
    assert "is done. 25 % complete." in " ".join(_messages(response))
    assert OnboardingStep.objects.get(pk=step.pk).completed_by == partner_a_admin


def test_the_portal_refuses_a_vendor_step_with_a_clear_message(page_client, steps_a, partner_a_admin):
    step = steps_a["Kick-off call"]
    response = page_client.as_user(partner_a_admin).post(
        reverse("portal:onboarding-step-complete", args=[step.pk]), follow=True
    )
    assert "channel manager completes it" in " ".join(_messages(response))
    assert OnboardingStep.objects.get(pk=step.pk).status == "open"


def test_the_portal_uploads_a_document_for_a_document_step(page_client, steps_a, partner_a_admin):
    client = page_client.as_user(partner_a_admin)
    url = reverse("portal:onboarding-step-complete", args=[steps_a["Upload signed NDA"].pk])
    wrong = SimpleUploadedFile("nda.svg", b"<svg/>", content_type="image/svg+xml")
    refused = client.post(url, {"document": wrong}, follow=True)
    assert "not accepted" in " ".join(_messages(refused))
    client.post(url, {"document": pdf_upload("signed-nda.pdf")})
    step = OnboardingStep.objects.get(pk=steps_a["Upload signed NDA"].pk)
    assert step.is_done and step.document_name == "signed-nda.pdf"
    page = client.get(reverse("portal:onboarding")).content.decode()
    assert reverse("portal:onboarding-step-document", args=[step.pk]) in page
    assert client.get(reverse("portal:onboarding-step-document", args=[step.pk])).status_code == 200


def test_a_partner_without_a_plan_sees_a_friendly_page(page_client, partner_b_admin):
    response = page_client.as_user(partner_b_admin).get(reverse("portal:onboarding"))
    assert response.status_code == 200 and b"There is no onboarding plan" in response.content


def test_taking_a_course_in_the_portal_certifies_and_shows_it(page_client, course, quiz, partner_a_rep):
    CourseModuleFactory(course=course, title="Why us", body="<p>Because.</p>")
    client = page_client.as_user(partner_a_rep)
    listing = client.get(reverse("portal:courses")).content.decode()
    assert "Product fundamentals" in listing and "No certifications yet" in listing
    page = client.get(reverse("portal:course-detail", args=[course.pk])).content.decode()
    assert "Why us" in page and "<p>Because.</p>" in page and "is_correct" not in page
    answers = {f"q{q}": right for q, (right, _) in quiz.items()}
    response = client.post(reverse("portal:course-attempt", args=[course.pk]), answers, follow=True)
    assert "You passed with 100 %" in " ".join(_messages(response))
    assert Certification.objects.filter(user=partner_a_rep, course=course).exists()
    assert "Certified until" in response.content.decode()
    assert "Active" in client.get(reverse("portal:courses")).content.decode()


def test_a_failed_quiz_in_the_portal_says_so(page_client, course, quiz, partner_a_rep):
    answers = {f"q{q}": wrong for q, (_, wrong) in quiz.items()}
    response = page_client.as_user(partner_a_rep).post(
        reverse("portal:course-attempt", args=[course.pk]), answers, follow=True
    )
    assert "You scored 0 %; the pass mark is 50 %" in " ".join(_messages(response))
    assert not Certification.objects.exists()


def test_portal_resources_search_filter_and_count_downloads(page_client, gold_tier, partner_a_admin, partner_b_admin):
    gold = ResourceFactory(title="Gold price list", category="price_list", audience_tiers=[gold_tier])
    ResourceFactory(title="Brand guidelines", category="marketing")
    client = page_client.as_user(partner_a_admin)
    page = client.get(reverse("portal:resources")).content.decode()
    assert "Gold price list" in page and "Brand guidelines" in page
    filtered = client.get(reverse("portal:resources"), {"category": "marketing"}).content.decode()
    assert "Gold price list" not in filtered and "Brand guidelines" in filtered
    assert "Brand" not in client.get(reverse("portal:resources"), {"search": "price"}).content.decode()
    assert client.get(reverse("portal:resource-download", args=[gold.pk])).status_code == 200
    assert ResourceDownload.objects.get(resource=gold).count == 1

    other = page_client.as_user(partner_b_admin)
    assert "Gold price list" not in other.get(reverse("portal:resources")).content.decode()
    assert other.get(reverse("portal:resource-download", args=[gold.pk])).status_code == 404
    assert ResourceDownload.objects.get(resource=gold).count == 1


def test_a_link_resource_redirects_and_counts(page_client, partner_a_admin):
    link = ResourceFactory(title="Partner webinar", version__url="https://videos.example/webinar")
    response = page_client.as_user(partner_a_admin).get(reverse("portal:resource-download", args=[link.pk]))
    assert response.status_code == 302 and response["Location"] == "https://videos.example/webinar"
    assert ResourceDownload.objects.get(resource=link).count == 1


# --- manager portal ------------------------------------------------------------------------------------------


def _plans(manager, n, template, progress_steps=0):
    plans = []
    for _ in range(n):
        partner = PartnerFactory(partner_type=PartnerType.RESELLER, status=PartnerStatus.ONBOARDING, manager=manager)
        plans.append(services.onboarding_plan_create(actor=manager, partner=partner))
    return plans


def test_the_manager_sees_every_plans_progress_sorted_and_filtered(page_client, manager, template, plan_a, steps_a):
    services.onboarding_step_complete(actor=manager, step=steps_a["Kick-off call"])
    others = _plans(manager, 2, template)
    OnboardingPlan.objects.filter(pk=others[0].pk).update(stuck_since=timezone.localdate())
    client = page_client.as_user(manager)

    page = client.get(reverse("manage:onboarding"), {"sort": "-progress"})
    rows = list(page.context["page"].object_list)
    assert rows[0].partner.name == "Alpha Networks" and rows[0].progress_percent == 25
    assert rows[0].steps_done == 1 and rows[0].steps_total == 4
    html = page.content.decode()
    assert 'data-testid="stuck-flag"' in html and "25 %" in html

    stuck = client.get(reverse("manage:onboarding"), {"state": "stuck"}).context["page"].object_list
    assert [p.pk for p in stuck] == [others[0].pk]
    search = client.get(reverse("manage:onboarding"), {"search": "alpha"}).context["page"].object_list
    assert [p.pk for p in search] == [plan_a.pk]


def test_overdue_sort_puts_late_plans_first(page_client, manager, template, plan_a):
    late = _plans(manager, 1, template)[0]
    late.steps.update(due_on=timezone.localdate() - timedelta(days=2))
    page = page_client.as_user(manager).get(reverse("manage:onboarding"), {"sort": "overdue"})
    rows = list(page.context["page"].object_list)
    assert rows[0].pk == late.pk and rows[0].overdue_count == 4
    overdue_only = page_client.get(reverse("manage:onboarding"), {"state": "overdue"}).context["page"].object_list
    assert [p.pk for p in overdue_only] == [late.pk]


def test_the_onboarding_page_query_count_does_not_grow(page_client, manager, template, django_assert_max_num_queries):
    _plans(manager, 3, template)
    client = page_client.as_user(manager)
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("manage:onboarding")).status_code == 200
    _plans(manager, 10, template)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("manage:onboarding")).status_code == 200


def test_the_plan_page_completes_vendor_steps_and_nudges(
    page_client, manager, plan_a, steps_a, partner_a_admin, django_capture_on_commit_callbacks
):
    from django.core import mail

    client = page_client.as_user(manager)
    page = client.get(reverse("manage:onboarding-plan", args=[plan_a.pk])).content.decode()
    vendor = steps_a["Kick-off call"]
    assert f'data-testid="complete-{vendor.pk}"' in page
    assert f'data-testid="complete-{steps_a["Complete your profile"].pk}"' not in page  # the partner's to do
    client.post(reverse("manage:onboarding-step-complete", args=[vendor.pk]))
    assert OnboardingStep.objects.get(pk=vendor.pk).completed_by == manager
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after the commit
        response = client.post(reverse("manage:onboarding-nudge", args=[plan_a.pk]), follow=True)
    assert "Reminder sent to 1 partner admin." in " ".join(_messages(response))
    assert mail.outbox[-1].to == ["admin@alpha.example"]


def test_the_enablement_page_counts_enrollments_and_passes(page_client, manager, course, quiz, partner_a_rep):
    answers = {q: right for q, (right, _) in quiz.items()}
    services.course_attempt_submit(actor=partner_a_rep, course=course, answers=answers)
    page = page_client.as_user(manager).get(reverse("manage:enablement"))
    row = page.context["courses"].get(pk=course.pk)
    assert (row.enrolled, row.passed, row.certified, row.question_count) == (1, 1, 1, 2)


def test_the_course_editor_creates_a_course_a_module_and_a_question(page_client, manager, gold_tier):
    client = page_client.as_user(manager)
    response = client.post(
        reverse("manage:course-create"),
        {
            "title": "Security deep dive",
            "pass_mark_percent": "75",
            "validity_months": "6",
            "description": "",
            "published": "on",
            "audience_tiers": [str(gold_tier.pk)],
        },
    )
    course = Course.objects.get(title="Security deep dive")
    assert response.status_code == 302 and response["Location"] == reverse("manage:course-detail", args=[course.pk])
    assert course.published and list(course.audience_tiers.all()) == [gold_tier] and course.validity_months == 6

    client.post(
        reverse("manage:course-module-create", args=[course.pk]),
        {"title": "Threat model", "kind": "text", "body": "<h2>Threats</h2><script>x()</script>", "url": ""},
    )
    assert course.modules.get().body == "<h2>Threats</h2>"
    client.post(
        reverse("manage:course-module-create", args=[course.pk]),
        {"title": "Slides", "kind": "file", "body": "", "url": "", "file": pdf_upload("slides.pdf")},
    )
    assert course.modules.get(title="Slides").file_name == "slides.pdf"

    client.post(
        reverse("manage:course-question-create", args=[course.pk]),
        {
            "text": "Best practice?",
            "choice_1": "Ignore",
            "choice_2": "Patch",
            "choice_3": "",
            "choice_4": "",
            "correct": "2",
        },
    )
    question = course.questions.get()
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [("Ignore", False), ("Patch", True)]

    edit = client.post(
        reverse("manage:course-edit", args=[course.pk]),
        {"title": "Security deep dive", "pass_mark_percent": "150", "validity_months": "6"},
    )
    assert edit.status_code == 400 and "pass_mark_percent" in edit.context["form"].errors


def test_a_module_of_the_wrong_kind_of_file_is_refused_on_the_page(page_client, manager, course):
    response = page_client.as_user(manager).post(
        reverse("manage:course-module-create", args=[course.pk]),
        {"title": "Bad", "kind": "file", "file": SimpleUploadedFile("x.exe", b"MZ")},
    )
    assert response.status_code == 400 and "not accepted" in str(response.context["form"].errors["file"])


def test_the_manager_library_creates_resources_versions_and_shows_counts(page_client, manager, gold_tier, partner_a):
    client = page_client.as_user(manager)
    response = client.post(
        reverse("manage:resource-create"),
        {
            "title": "Gold pricing",
            "category": "price_list",
            "file": pdf_upload("pricing.pdf"),
            "url": "",
            "audience_tiers": [str(gold_tier.pk)],
            "audience_countries": ["GB", "IE"],
        },
    )
    assert response.status_code == 302
    resource = Resource.objects.get(title="Gold pricing")
    assert resource.country_list == ["GB", "IE"] and list(resource.audience_tiers.all()) == [gold_tier]

    client.post(
        reverse("manage:resource-edit", args=[resource.pk]),
        {
            "title": "Gold pricing",
            "category": "price_list",
            "url": "https://prices.example/2027",
            "note": "2027",
            "audience_tiers": [str(gold_tier.pk)],
        },
    )
    resource.refresh_from_db()
    assert resource.current_version.number == 2 and resource.country_list == []
    services.resource_download_record(resource=resource, partner=partner_a)
    page = client.get(reverse("manage:resources")).content.decode()
    assert f'data-testid="downloads-{resource.pk}">1<' in page

    bad = client.post(
        reverse("manage:resource-create"),
        {"title": "Bad", "category": "sales", "file": SimpleUploadedFile("x.html", b"<html>")},
    )
    assert bad.status_code == 400 and "not accepted" in str(bad.context["form"].errors["file"])


def test_the_template_pages(page_client, program_admin, manager, template):
    client = page_client.as_user(program_admin)
    assert b"Kick-off call" in client.get(reverse("manage:onboarding-templates")).content
    client.post(
        reverse("manage:onboarding-template-step-create", args=[template.pk]),
        {"title": "Joint business plan", "owner": "partner", "due_offset_days": "45", "order": ""},
    )
    assert template.steps.get(title="Joint business plan").due_offset_days == 45
    assert page_client.as_user(manager).get(reverse("manage:onboarding-template-create")).status_code == 403
