"""The onboarding and enablement API: API.md names, server-side quiz checks, audience 404s, upload errors,
and pinned query counts on lists."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from onboarding import services
from onboarding.models import OnboardingStep, ResourceDownload
from partners.models import PartnerType
from tests.factories import PartnerFactory, PartnerUserFactory

from .factories import (
    CertificationFactory,
    CourseFactory,
    CourseModuleFactory,
    ResourceFactory,
    make_quiz,
    pdf_upload,
)

PLANS = "/api/v1/onboarding-plans/"
STEPS = "/api/v1/onboarding-steps/"
COURSES = "/api/v1/courses/"
CERTS = "/api/v1/certifications/"
RESOURCES = "/api/v1/resources/"


def _complete(client, step, **data):
    return client.post(f"{STEPS}{step.pk}/complete/", data, format="multipart" if data else "json")


# --- onboarding ----------------------------------------------------------------------------------------------


def test_a_partner_sees_its_one_plan_with_progress_and_steps(api, plan_a, partner_a_admin, partner_b, manager):
    services.onboarding_plan_create(actor=manager, partner=partner_b)
    body = api.as_user(partner_a_admin).get(PLANS).json()
    assert body["count"] == 1
    plan = body["results"][0]
    assert plan["partner"] == plan_a.partner_id and plan["progress_percent"] == 0
    assert [s["title"] for s in plan["steps"]][:2] == ["Complete your profile", "Kick-off call"]
    step = plan["steps"][0]
    assert {"id", "owner", "status", "due_on", "is_overdue", "kind", "completed_by", "completed_at"} <= set(step)


def test_plan_list_query_count_does_not_grow_with_plans(api, template, manager, django_assert_max_num_queries):
    for _ in range(3):
        services.onboarding_plan_create(actor=manager, partner=PartnerFactory(partner_type=PartnerType.RESELLER))
    client = api.as_user(manager)
    with django_assert_max_num_queries(8) as few:
        assert client.get(PLANS).json()["count"] == 3
    for _ in range(6):
        services.onboarding_plan_create(actor=manager, partner=PartnerFactory(partner_type=PartnerType.RESELLER))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(PLANS).json()["count"] == 9


def test_a_partner_completes_its_step_through_the_api(api, steps_a, partner_a_rep):
    response = _complete(api.as_user(partner_a_rep), steps_a["Complete your profile"])
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "done" and response.json()["completed_by"] == partner_a_rep.pk
    assert response.json()["plan_progress_percent"] == 25


def test_a_partner_cannot_complete_a_vendor_step(api, steps_a, partner_a_admin):
    response = _complete(api.as_user(partner_a_admin), steps_a["Kick-off call"])
    assert response.status_code == 403
    assert "channel manager completes it" in response.json()["detail"]


def test_a_manager_completes_a_vendor_step(api, steps_a, manager):
    response = _complete(api.as_user(manager), steps_a["Kick-off call"])
    assert response.status_code == 200 and response.json()["completed_by"] == manager.pk


def test_finance_cannot_complete_steps(api, steps_a, finance):
    assert _complete(api.as_user(finance), steps_a["Kick-off call"]).status_code == 403


def test_a_course_step_without_a_certification_is_a_409(api, steps_a, partner_a_admin, partner_a_rep, course):
    client = api.as_user(partner_a_admin)
    response = _complete(client, steps_a["Get certified"])
    assert response.status_code == 409 and "Product fundamentals" in response.json()["detail"]
    CertificationFactory(user=partner_a_rep, course=course)
    assert _complete(client, steps_a["Get certified"]).status_code == 200


def test_a_document_step_takes_an_upload_and_serves_it_back(api, steps_a, partner_a_admin, partner_b_admin, manager):
    step = steps_a["Upload signed NDA"]
    client = api.as_user(partner_a_admin)
    missing = _complete(client, step)
    assert missing.status_code == 400 and "document" in missing.json()
    response = _complete(client, step, document=pdf_upload("nda.pdf"))
    assert response.status_code == 200 and response.json()["document_name"] == "nda.pdf"
    url = response.json()["document_url"]
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    assert download["Content-Disposition"].startswith("attachment")
    assert api.as_user(manager).get(url).status_code == 200
    assert api.as_user(partner_b_admin).get(url).status_code == 404


def test_a_wrong_document_type_is_a_400_with_a_field_message(api, steps_a, partner_a_admin):
    exe = SimpleUploadedFile("nda.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = _complete(api.as_user(partner_a_admin), steps_a["Upload signed NDA"], document=exe)
    assert response.status_code == 400
    assert "not accepted" in response.json()["document"][0]
    assert OnboardingStep.objects.get(pk=steps_a["Upload signed NDA"].pk).status == "open"


@override_settings(PRM_UPLOAD_MAX_BYTES=1024)
def test_a_too_big_document_is_a_400_with_a_field_message(api, steps_a, partner_a_admin):
    big = pdf_upload(content=b"%PDF-" + b"0" * 4096)
    response = _complete(api.as_user(partner_a_admin), steps_a["Upload signed NDA"], document=big)
    assert response.status_code == 400 and "larger than" in response.json()["document"][0]


def test_a_partner_cannot_touch_another_partners_step(api, steps_a, partner_b_admin):
    assert _complete(api.as_user(partner_b_admin), steps_a["Complete your profile"]).status_code == 404


def test_nudge_is_for_managers(api, plan_a, partner_a_admin, manager, django_capture_on_commit_callbacks):
    assert api.as_user(partner_a_admin).post(f"{PLANS}{plan_a.pk}/nudge/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after the commit
        response = api.as_user(manager).post(f"{PLANS}{plan_a.pk}/nudge/")
    assert response.status_code == 200 and response.json() == {"emailed": 1}
    assert mail.outbox[0].to == ["admin@alpha.example"]


def test_templates_are_managed_by_program_admins(api, program_admin, manager, course):
    data = {"name": "MSP onboarding", "partner_type": "msp", "description": "For MSPs"}
    assert api.as_user(manager).post("/api/v1/onboarding-templates/", data).status_code == 403
    created = api.as_user(program_admin).post("/api/v1/onboarding-templates/", data)
    assert created.status_code == 201
    step = api.as_user(program_admin).post(
        "/api/v1/onboarding-template-steps/",
        {"template": created.json()["id"], "title": "Certify", "owner": "partner", "required_course": course.pk},
    )
    assert step.status_code == 201 and step.json()["order"] == 1
    bad = api.as_user(program_admin).post(
        "/api/v1/onboarding-template-steps/",
        {"template": created.json()["id"], "title": "x", "owner": "vendor", "requires_document": True},
    )
    assert bad.status_code == 400 and "owner" in bad.json()
    again = api.as_user(program_admin).post("/api/v1/onboarding-templates/", data)
    assert again.status_code == 400 and "partner_type" in again.json()


# --- courses -------------------------------------------------------------------------------------------------


def test_partners_read_published_courses_without_the_answers(api, course, quiz, partner_a_rep, manager):
    draft = CourseFactory(title="Draft", published=False)
    client = api.as_user(partner_a_rep)
    titles = [c["title"] for c in client.get(COURSES).json()["results"]]
    assert titles == ["Product fundamentals"]
    assert client.get(f"{COURSES}{draft.pk}/").status_code == 404
    detail = client.get(f"{COURSES}{course.pk}/").json()
    choices = [c for q in detail["questions"] for c in q["choices"]]
    assert choices and all(set(c) == {"id", "text"} for c in choices)
    staff = api.as_user(manager).get(f"{COURSES}{course.pk}/").json()
    assert sum(c["is_correct"] for q in staff["questions"] for c in q["choices"]) == 2
    partner_view = api.as_user(partner_a_rep).get(f"/api/v1/quiz-questions/?course={course.pk}").json()
    assert partner_view["count"] == 2 and "is_correct" not in str(partner_view)


def test_staff_write_courses_and_partners_cannot(api, manager, partner_a_admin, gold_tier):
    data = {"title": "Advanced", "pass_mark_percent": 70, "validity_months": 24, "audience_tiers": [gold_tier.pk]}
    assert api.as_user(partner_a_admin).post(COURSES, data).status_code == 403
    response = api.as_user(manager).post(COURSES, data)
    assert response.status_code == 201 and response.json()["audience_tiers"] == [gold_tier.pk]
    bad = api.as_user(manager).post(COURSES, {"title": "x", "pass_mark_percent": 120})
    assert bad.status_code == 400 and "pass_mark_percent" in bad.json()


def test_passing_the_quiz_through_the_api_issues_a_certification(api, course, quiz, partner_a_rep):
    client = api.as_user(partner_a_rep)
    answers = {str(q): right for q, (right, _) in quiz.items()}
    response = client.post(f"{COURSES}{course.pk}/attempts/", {"answers": answers})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["score"] == 100 and body["passed"] is True
    cert = body["certification"]
    assert cert["user"] == partner_a_rep.pk and cert["course"] == course.pk and cert["active"] is True
    assert cert["expires_on"] == services.add_months(timezone.localdate(), 12).isoformat()
    listed = client.get(CERTS).json()["results"]
    assert [(c["user"], c["course"], c["active"]) for c in listed] == [(partner_a_rep.pk, course.pk, True)]
    assert {"user", "course", "issued_on", "expires_on", "active"} <= set(listed[0])


def test_failing_the_quiz_through_the_api_certifies_nobody(api, course, quiz, partner_a_rep):
    answers = {str(q): wrong for q, (_, wrong) in quiz.items()}
    body = api.as_user(partner_a_rep).post(f"{COURSES}{course.pk}/attempts/", {"answers": answers}).json()
    assert body["score"] == 0 and body["passed"] is False and body["certification"] is None
    assert api.as_user(partner_a_rep).get(CERTS).json()["count"] == 0


def test_answers_to_another_courses_question_are_a_400(api, course, quiz, partner_a_rep):
    other = make_quiz(CourseFactory(), questions=1)
    foreign_q, (foreign_right, _) = next(iter(other.items()))
    response = api.as_user(partner_a_rep).post(
        f"{COURSES}{course.pk}/attempts/", {"answers": {str(foreign_q): foreign_right}}
    )
    assert response.status_code == 400 and "not part of this course" in response.json()["answers"][0]
    junk = api.as_user(partner_a_rep).post(f"{COURSES}{course.pk}/attempts/", {"answers": {"1": "abc"}})
    assert junk.status_code == 400


def test_staff_cannot_take_a_quiz(api, course, quiz, manager):
    assert api.as_user(manager).post(f"{COURSES}{course.pk}/attempts/", {"answers": {}}).status_code == 403


def test_enroll_is_idempotent(api, course, partner_a_rep):
    client = api.as_user(partner_a_rep)
    first = client.post(f"{COURSES}{course.pk}/enroll/").json()
    second = client.post(f"{COURSES}{course.pk}/enroll/").json()
    assert first["id"] == second["id"]
    assert client.get("/api/v1/enrollments/").json()["count"] == 1


def test_expired_certifications_are_listed_inactive(api, course, partner_a_rep, partner_b_rep):
    today = timezone.localdate()
    CertificationFactory(user=partner_a_rep, course=course, expires_on=today - timedelta(days=1))
    CertificationFactory(user=partner_b_rep, course=course)
    rows = api.as_user(partner_a_rep).get(CERTS).json()["results"]
    assert [(r["user"], r["active"]) for r in rows] == [(partner_a_rep.pk, False)]
    assert api.as_user(partner_a_rep).get(CERTS, {"active": "true"}).json()["count"] == 0


def test_course_list_query_count_does_not_grow(api, partner_a_rep, gold_tier, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            course = CourseFactory(audience_tiers=[gold_tier])
            CourseModuleFactory(course=course)
            make_quiz(course, questions=2)

    add(2)
    client = api.as_user(partner_a_rep)
    with django_assert_max_num_queries(10) as few:
        assert client.get(COURSES).json()["count"] == 2
    add(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(COURSES).json()["count"] == 7


def test_certification_list_query_count_does_not_grow(api, manager, course, django_assert_max_num_queries):
    CertificationFactory.create_batch(2, course=course)
    client = api.as_user(manager)
    with django_assert_max_num_queries(6) as few:
        client.get(CERTS)
    CertificationFactory.create_batch(6, course=course)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(CERTS).json()["count"] == 8


# --- resources -----------------------------------------------------------------------------------------------


def test_a_gold_resource_is_404_for_the_wrong_tier_and_downloadable_by_gold(
    api, gold_tier, partner_a_admin, partner_b_admin
):
    resource = ResourceFactory(title="Gold price list", audience_tiers=[gold_tier])
    stranger = api.as_user(partner_b_admin)
    assert stranger.get(f"{RESOURCES}{resource.pk}/").status_code == 404
    assert stranger.get(f"{RESOURCES}{resource.pk}/download/").status_code == 404
    assert resource.pk not in [r["id"] for r in stranger.get(RESOURCES).json()["results"]]
    assert not ResourceDownload.objects.exists()

    client = api.as_user(partner_a_admin)
    detail = client.get(f"{RESOURCES}{resource.pk}/").json()
    assert detail["download_count"] is None  # counts are for staff
    download = client.get(detail["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    client.get(detail["download_url"])
    assert ResourceDownload.objects.get(resource=resource, partner=partner_a_admin.partner).count == 2


def test_staff_create_resources_with_a_file_and_add_versions(api, manager, partner_a_admin):
    client = api.as_user(manager)
    created = client.post(
        RESOURCES,
        {
            "title": "Case study",
            "category": "case_study",
            "file": pdf_upload("case.pdf"),
            "audience_partner_types": ["reseller", "msp"],
        },
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["current_version"]["number"] == 1 and body["current_version"]["file_name"] == "case.pdf"
    assert body["audience_partner_types"] == ["msp", "reseller"]
    v2 = client.post(f"{RESOURCES}{body['id']}/versions/", {"url": "https://example.com/case", "note": "web"})
    assert v2.status_code == 201 and v2.json()["current_version"] == {**v2.json()["current_version"], "number": 2}
    assert api.as_user(partner_a_admin).post(RESOURCES, {"title": "x", "category": "sales"}).status_code == 403


def test_a_resource_upload_of_a_wrong_type_is_a_400_with_a_field_message(api, manager):
    bad = SimpleUploadedFile("deck.html", b"<html></html>", content_type="text/html")
    response = api.as_user(manager).post(
        RESOURCES, {"title": "Deck", "category": "sales", "file": bad}, format="multipart"
    )
    assert response.status_code == 400 and "not accepted" in response.json()["file"][0]
    neither = api.as_user(manager).post(RESOURCES, {"title": "Deck", "category": "sales"})
    assert neither.status_code == 400 and "file" in neither.json()


def test_resource_search_and_category(api, partner_a_admin):
    ResourceFactory(title="EMEA price list", category="price_list")
    ResourceFactory(title="Logo pack", category="marketing")
    client = api.as_user(partner_a_admin)
    assert [r["title"] for r in client.get(RESOURCES, {"search": "price"}).json()["results"]] == ["EMEA price list"]
    assert [r["title"] for r in client.get(RESOURCES, {"category": "marketing"}).json()["results"]] == ["Logo pack"]


def test_resource_list_query_count_does_not_grow(api, manager, gold_tier, django_assert_max_num_queries):
    ResourceFactory.create_batch(2, audience_tiers=[gold_tier])
    client = api.as_user(manager)
    with django_assert_max_num_queries(8) as few:
        assert client.get(RESOURCES).json()["count"] == 2
    ResourceFactory.create_batch(6, audience_tiers=[gold_tier])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(RESOURCES).json()["count"] == 8


@pytest.mark.parametrize("prefix", ["onboarding-plans", "courses", "certifications", "resources", "enrollments"])
def test_anonymous_is_refused(api, db, prefix):
    assert api.get(f"/api/v1/{prefix}/").status_code == 401


def test_a_partner_user_without_a_plan_sees_none(api, partner_b):
    user = PartnerUserFactory(partner=partner_b)
    assert api.as_user(user).get(PLANS).json()["count"] == 0
