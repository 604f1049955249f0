"""Bad input is a 400 with a clear message on every path, pages included — never a 500. Each test is one path
that answered 500 before: lone surrogates echoed in an error, deep nesting, NUL characters in pages and forms."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from deals.models import Deal
from prm.api.renderers import JSONRenderer
from tests.onboarding.factories import CourseFactory, make_quiz

APPLICATIONS = reverse("application-list")
DEALS = "/api/v1/deals/"
DEEP = "[" * 50_000 + "]" * 50_000


@pytest.fixture
def anonymous():
    """A client that shows a server error as the 500 a real client gets (not a raised exception)."""
    return APIClient(raise_request_exception=False)


def _post_json(client, url, raw: str):
    return client.post(url, raw, content_type="application/json")


def test_a_lone_surrogate_in_a_choice_field_is_a_400_for_an_anonymous_applicant(anonymous, db):
    response = _post_json(anonymous, APPLICATIONS, json.dumps({"partner_type": "\ud800", "company_name": "X"}))

    assert response.status_code == 400
    assert "lone surrogate" in response.json()["detail"]


def test_a_lone_surrogate_as_a_quiz_answer_key_is_a_400(partner_a_rep):
    course = CourseFactory()
    make_quiz(course, questions=1)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(partner_a_rep)

    response = _post_json(client, f"/api/v1/courses/{course.pk}/attempts/", json.dumps({"answers": {"\udfff": 1}}))

    assert response.status_code == 400
    assert "lone surrogate" in response.json()["detail"]


def test_deeply_nested_json_is_a_400(anonymous, db):
    response = _post_json(anonymous, APPLICATIONS, DEEP)

    assert response.status_code == 400
    assert "nested deeper than" in response.json()["detail"]


def test_nesting_deeper_than_the_limit_but_parseable_is_a_400_too(api, partner_a_rep):
    response = _post_json(
        api.as_user(partner_a_rep),
        DEALS,
        json.dumps({"products": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}),
    )

    assert response.status_code == 400
    assert "nested deeper than 32 levels" in response.json()["detail"]


def test_a_nul_in_json_text_is_a_400(api, partner_a_rep):
    response = _post_json(api.as_user(partner_a_rep), DEALS, json.dumps({"customer_name": "Glo\x00bex"}))

    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert not Deal.objects.exists()


def test_a_nul_in_the_conflict_preview_query_is_a_400_page(page_client, partner_a_rep):
    response = page_client.as_user(partner_a_rep).get(
        reverse("portal:deal-conflicts"), {"customer_name": "\x00", "customer_domain": "x.example"}
    )

    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_in_a_page_form_post_is_a_400_page(page_client, partner_a_rep):
    response = page_client.as_user(partner_a_rep).post(
        reverse("portal:deal-register"), {"customer_name": "Globex\x00", "customer_domain": "globex.example"}
    )

    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    assert not Deal.objects.exists()


def test_a_nul_in_the_sign_in_form_is_a_400_page(client, partner_a_rep):
    response = client.post(reverse("login"), {"username": "rep\x00@alpha.example", "password": "x"})

    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_in_a_form_encoded_api_post_is_a_400_in_json(api, partner_a_rep):
    response = api.as_user(partner_a_rep).post(DEALS, {"customer_name": "\x00"}, format="multipart")

    assert response.status_code == 400
    assert "NUL character" in response.json()["detail"]


def test_the_api_renderer_writes_text_that_is_not_unicode_as_an_escape():
    rendered = JSONRenderer().render({"detail": '"\ud800" is not a valid choice.'})

    assert json.loads(rendered) == {"detail": '"\ud800" is not a valid choice.'}
