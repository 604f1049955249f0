"""A country that is not a string is a 400 like every other wrong type (issue 8: `{"country": []}` was stored
as no country)."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from prm.api.fields import CountryField

APPLICATIONS = reverse("application-list")


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def _application(country):
    return {
        "company_name": "Contoso",
        "domain": "contoso.com",
        "country": country,
        "partner_type": "msp",
        "contact_name": "Ana",
        "contact_email": "ana@contoso.example",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("country", [[], {}, 0, False, ["FR"]])
def test_a_country_of_the_wrong_type_is_a_400_on_the_public_application(country):
    response = APIClient().post(APPLICATIONS, _application(country), format="json")

    assert response.status_code == 400
    assert response.json()["country"] == ['Expected a country code as a string, e.g. "DE".']


@pytest.mark.django_db
def test_a_country_code_still_works():
    assert APIClient().post(APPLICATIONS, _application("FR"), format="json").status_code == 201


def test_an_optional_country_may_still_be_blank():
    assert CountryField(required=False, allow_blank=True).run_validation("") == ""
