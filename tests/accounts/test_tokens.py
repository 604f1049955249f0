"""API tokens expire, are rotated when the password changes, and their owner sees and revokes them."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from prm.accounts import services

from ..factories import TEST_PASSWORD, make_api_key

pytestmark = pytest.mark.django_db

TOKEN = reverse("api-token")
ME = reverse("api-me")
ACCOUNT = reverse("account:api-keys")
NEW_PASSWORD = "a-Different-pass-77"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _sign_in(user) -> str:
    response = APIClient().post(TOKEN, {"username": user.email, "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _me(token: str):
    return APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {token}")


def _age(token_key: str, hours: int) -> None:
    Token.objects.filter(key=token_key).update(created=timezone.now() - timedelta(hours=hours))


def test_a_token_works_within_its_lifetime(partner_a_rep, settings):
    settings.PRM_TOKEN_TTL_HOURS = 24
    token = _sign_in(partner_a_rep)
    _age(token, 23)

    assert _me(token).status_code == 200


def test_an_expired_token_is_a_401_with_a_clear_message(partner_a_rep, settings):
    settings.PRM_TOKEN_TTL_HOURS = 24
    token = _sign_in(partner_a_rep)
    _age(token, 25)

    response = _me(token)

    assert response.status_code == 401
    assert "Token expired" in response.json()["detail"]
    assert _me(token).status_code == 401


def test_signing_in_after_expiry_issues_a_new_token(partner_a_rep, settings):
    settings.PRM_TOKEN_TTL_HOURS = 24
    old = _sign_in(partner_a_rep)
    assert _sign_in(partner_a_rep) == old  # still valid: the same token
    _age(old, 25)

    new = _sign_in(partner_a_rep)

    assert new != old
    assert _me(new).status_code == 200


def test_a_password_reset_through_the_emailed_link_revokes_the_token(partner_a_rep, client):
    token = _sign_in(partner_a_rep)
    client.post(reverse("password_reset"), {"email": partner_a_rep.email})
    link = re.search(r"http://\S+/reset/\S+/", mail.outbox[-1].body).group(0)

    form = client.get(link, follow=True)
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert _me(token).status_code == 401


def test_any_password_change_revokes_the_token_but_other_saves_do_not(partner_a_rep):
    token = _sign_in(partner_a_rep)
    partner_a_rep.title = "Sales lead"
    partner_a_rep.save()
    assert _me(token).status_code == 200

    partner_a_rep.set_password(NEW_PASSWORD)
    partner_a_rep.save()

    assert _me(token).status_code == 401


def test_the_account_page_lists_the_token_and_keys_and_revokes_the_token(partner_a_rep, page_client, settings):
    settings.PRM_TOKEN_TTL_HOURS = 48
    token = _sign_in(partner_a_rep)
    make_api_key(owner=partner_a_rep, name="CRM sync")
    client = page_client.as_user(partner_a_rep)

    page = client.get(ACCOUNT).content.decode()
    assert "You have an active token" in page and token[:4] in page and token not in page
    assert "CRM sync" in page

    response = client.post(reverse("account:token-revoke"), follow=True)

    assert "API token revoked" in response.content.decode()
    assert "No active token" in response.content.decode()
    assert _me(token).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(partner_a_rep, partner_b_rep):
    from prm.errors import NotPermitted

    _sign_in(partner_b_rep)
    with pytest.raises(NotPermitted):
        services.token_revoke(actor=partner_a_rep, token=Token.objects.get(user=partner_b_rep))
