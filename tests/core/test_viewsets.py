"""The API's scoped bases: tenancy cannot be bypassed by a viewset that replaces get_queryset()."""

import pytest
from rest_framework.test import APIRequestFactory, force_authenticate

from partners.api import PartnerViewSet
from partners.models import Partner

pytestmark = pytest.mark.django_db


class CarelessPartnerViewSet(PartnerViewSet):
    """Forgets tenancy: builds its queryset from the model instead of calling super()."""

    def get_queryset(self):
        return Partner.objects.all()


def _call(action: str, user, **kwargs):
    request = APIRequestFactory().get("/")
    force_authenticate(request, user=user)
    return CarelessPartnerViewSet.as_view({"get": action})(request, **kwargs)


def test_an_overridden_get_queryset_still_lists_only_the_callers_organization(partner_a, partner_b, partner_b_rep):
    response = _call("list", partner_b_rep)

    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [partner_b.pk]


def test_an_overridden_get_queryset_still_hides_another_organizations_object(partner_a, partner_b, partner_b_rep):
    assert _call("retrieve", partner_b_rep, pk=partner_a.pk).status_code == 404
    assert _call("retrieve", partner_b_rep, pk=partner_b.pk).status_code == 200
