import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from prm.accounts.models import ApiKey, User

from ..factories import TEST_PASSWORD, make_api_key

pytestmark = pytest.mark.django_db

TOKEN = reverse("api-token")
ME = reverse("api-me")
USERS = reverse("user-list")
KEYS = reverse("apikey-list")


def _token_client(user) -> APIClient:
    client = APIClient()
    token = client.post(TOKEN, {"username": user.email, "password": TEST_PASSWORD}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_user_gets_a_token_with_its_email_and_reads_me(partner_a_rep):
    body = _token_client(partner_a_rep).get(ME).json()

    assert body == {
        "id": partner_a_rep.pk,
        "email": "rep@alpha.example",
        "first_name": partner_a_rep.first_name,
        "last_name": partner_a_rep.last_name,
        "role": "partner_rep",
        "partner": partner_a_rep.partner_id,
    }


def test_a_superuser_is_a_program_admin(django_user_model):
    admin = django_user_model.objects.create_superuser("boss", "boss@vendor.example", TEST_PASSWORD)
    client = APIClient()
    token = client.post(TOKEN, {"username": "boss", "password": TEST_PASSWORD}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.get(ME).json()["role"] == "program_admin"
    assert admin.partner is None


def test_wrong_password_is_a_400_with_a_message(partner_a_rep):
    response = APIClient().post(TOKEN, {"username": partner_a_rep.email, "password": "nope"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to sign in with the given email and password."]}


def test_missing_fields_are_400_per_field(db):
    response = APIClient().post(TOKEN, {}, format="json")
    assert set(response.json()) == {"username", "password"}


@override_settings(PRM_THROTTLE_RATES={"anon": "1000/min", "user": "1000/min", "login": "3/min"})
def test_sign_in_attempts_are_throttled_on_the_api_and_the_login_page(partner_a_rep, client):
    from django.core.cache import cache

    cache.clear()
    api = APIClient()
    statuses = [
        api.post(TOKEN, {"username": partner_a_rep.email, "password": "guess"}, format="json").status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]

    cache.clear()
    page = [
        client.post(reverse("login"), {"username": partner_a_rep.email, "password": "guess"}).status_code
        for _ in range(4)
    ]
    assert page == [200, 200, 200, 429]
    cache.clear()


class TestUsers:
    def test_the_program_admin_creates_any_user(self, api, program_admin, partner_a):
        response = api.as_user(program_admin).post(
            USERS,
            {
                "email": "new@alpha.example",
                "password": "a-Strong-pass-42",
                "role": "partner_rep",
                "partner": partner_a.pk,
            },
        )
        assert response.status_code == 201, response.json()
        assert "password" not in response.json()
        assert User.objects.get(email="new@alpha.example").check_password("a-Strong-pass-42")

    def test_a_partner_admin_creates_users_of_its_own_organization_only(self, api, partner_a_admin, partner_b):
        client = api.as_user(partner_a_admin)

        own = client.post(
            USERS, {"email": "colleague@alpha.example", "role": "partner_rep", "partner": partner_a_admin.partner_id}
        )
        other_org = client.post(USERS, {"email": "spy@bravo.example", "role": "partner_rep", "partner": partner_b.pk})
        staff = client.post(USERS, {"email": "boss@alpha.example", "role": "program_admin"})

        assert own.status_code == 201
        assert other_org.status_code == 400 and "does not exist" in other_org.json()["partner"][0]
        assert staff.status_code == 400
        assert not User.objects.filter(email__in=["spy@bravo.example", "boss@alpha.example"]).exists()

    def test_other_roles_cannot_create_users(self, api, manager, partner_a_rep, partner_a):
        body = {"email": "x@alpha.example", "role": "partner_rep", "partner": partner_a.pk}
        assert api.as_user(manager).post(USERS, body).status_code == 403
        assert api.as_user(partner_a_rep).post(USERS, body).status_code == 403

    @pytest.mark.parametrize(
        "body,field",
        [
            ({"email": "not-an-email", "role": "partner_rep"}, "email"),
            ({"email": "rep@alpha.example", "role": "partner_rep"}, "email"),  # taken, any case
            ({"email": "x@alpha.example", "role": "wizard"}, "role"),
            ({"email": "x@alpha.example", "role": "partner_rep", "password": "123"}, "password"),
            ({"email": "x@vendor.example", "role": "partner_rep", "partner": None}, "partner"),
        ],
    )
    def test_bad_user_input_is_400_per_field(self, api, program_admin, partner_a_rep, body, field):
        body = {"partner": partner_a_rep.partner_id, **body}
        response = api.as_user(program_admin).post(USERS, body, format="json")
        assert response.status_code == 400
        assert field in response.json()

    def test_an_invited_user_sets_a_password_from_the_email_and_signs_in(
        self, api, partner_a_admin, client, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):  # the invitation goes out after the commit
            api.as_user(partner_a_admin).post(
                USERS, {"email": "invitee@alpha.example", "role": "partner_rep", "partner": partner_a_admin.partner_id}
            )

        assert mail.outbox[-1].to == ["invitee@alpha.example"]
        link = re.search(r"https?://\S+/reset/\S+/", mail.outbox[-1].body).group(0)
        path = link.split("://", 1)[1].split("/", 1)[1]
        form = client.get("/" + path, follow=True)
        assert form.status_code == 200
        set_url = form.redirect_chain[-1][0]
        done = client.post(set_url, {"new_password1": "Sunny-harbour-77", "new_password2": "Sunny-harbour-77"})
        assert done.status_code == 302
        login = client.post(reverse("login"), {"username": "invitee@alpha.example", "password": "Sunny-harbour-77"})
        assert login.status_code == 302 and login["Location"] == reverse("home")

    def test_deactivation_cuts_off_every_credential(self, api, partner_a_admin, partner_a_rep):
        rep_client = _token_client(partner_a_rep)
        _, key = make_api_key(partner_a_rep)

        response = api.as_user(partner_a_admin).post(reverse("user-deactivate", args=[partner_a_rep.pk]))

        assert response.status_code == 200 and response.json()["is_active"] is False
        assert rep_client.get(ME).status_code == 401
        assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 401
        again = api.as_user(partner_a_admin).post(reverse("user-deactivate", args=[partner_a_rep.pk]))
        assert again.status_code == 409 and "already deactivated" in again.json()["detail"]

    def test_nobody_deactivates_themselves(self, api, partner_a_admin):
        response = api.as_user(partner_a_admin).post(reverse("user-deactivate", args=[partner_a_admin.pk]))
        assert response.status_code == 409


class TestApiKeys:
    def test_a_key_is_shown_once_stored_hashed_and_acts_as_its_owner(self, api, partner_a_admin):
        created = api.as_user(partner_a_admin).post(KEYS, {"name": "CRM sync", "read_only": False}, format="json")

        assert created.status_code == 201
        secret = created.json()["key"]
        stored = ApiKey.objects.get(prefix=created.json()["prefix"])
        assert secret not in (stored.hashed_key, stored.id)
        assert "key" not in api.as_user(partner_a_admin).get(KEYS).json()["results"][0]
        me = APIClient().get(ME, HTTP_AUTHORIZATION=f"Api-Key {secret}")
        assert me.json()["email"] == partner_a_admin.email

    def test_a_read_only_key_cannot_write(self, partner_a_admin, partner_a):
        _, secret = make_api_key(partner_a_admin, read_only=True)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")

        assert client.get(reverse("partner-list")).status_code == 200
        denied = client.post(USERS, {"email": "x@alpha.example", "role": "partner_rep", "partner": partner_a.pk})
        assert denied.status_code == 403 and denied.json()["detail"] == "This API key is read-only."

    def test_a_revoked_or_made_up_key_is_refused(self, api, partner_a_admin):
        key, secret = make_api_key(partner_a_admin)
        assert api.as_user(partner_a_admin).post(reverse("apikey-revoke", args=[key.prefix])).status_code == 200

        assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Api-Key {secret}").status_code == 401
        assert APIClient().get(ME, HTTP_AUTHORIZATION="Api-Key made.up").status_code == 401

    def test_keys_of_other_users_are_invisible_even_in_the_same_organization(self, api, partner_a_admin, partner_a_rep):
        key, _ = make_api_key(partner_a_rep)
        client = api.as_user(partner_a_admin)
        assert client.get(KEYS).json()["count"] == 0
        assert client.post(reverse("apikey-revoke", args=[key.prefix])).status_code == 404

    def test_a_key_needs_a_name(self, api, partner_a_admin):
        response = api.as_user(partner_a_admin).post(KEYS, {"name": ""}, format="json")
        assert response.status_code == 400 and "name" in response.json()
