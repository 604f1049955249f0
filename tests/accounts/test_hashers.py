"""Sign-in hashes with Argon2; a password stored with the old PBKDF2 hasher still signs in and is rehashed with
Argon2 on the way. The test settings hash with MD5 for speed, so these tests put the real list back."""

import pytest
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from django.urls import reverse

from prm.accounts.models import User
from prm.settings.base import PASSWORD_HASHERS

from ..factories import TEST_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_hashers")]


@pytest.fixture
def real_hashers():
    with override_settings(PASSWORD_HASHERS=PASSWORD_HASHERS):
        yield


@pytest.fixture
def pbkdf2_user(partner_a_rep):
    User.objects.filter(pk=partner_a_rep.pk).update(password=make_password(TEST_PASSWORD, hasher="pbkdf2_sha256"))
    return partner_a_rep


def test_a_pbkdf2_password_signs_in_on_the_page_and_is_stored_as_argon2_afterwards(pbkdf2_user, client):
    response = client.post(reverse("login"), {"username": pbkdf2_user.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    pbkdf2_user.refresh_from_db()
    assert pbkdf2_user.password.startswith("argon2")
    assert pbkdf2_user.check_password(TEST_PASSWORD)


def test_a_pbkdf2_password_signs_in_for_an_api_token_and_is_upgraded(pbkdf2_user, client):
    response = client.post(reverse("api-token"), {"username": pbkdf2_user.email, "password": TEST_PASSWORD})

    assert response.status_code == 200
    pbkdf2_user.refresh_from_db()
    assert pbkdf2_user.password.startswith("argon2")


def test_a_wrong_password_leaves_the_old_hash_alone(pbkdf2_user, client):
    before = User.objects.get(pk=pbkdf2_user.pk).password

    response = client.post(reverse("login"), {"username": pbkdf2_user.email, "password": "not-the-password"})

    assert response.status_code == 200  # the form again, with its error
    assert User.objects.get(pk=pbkdf2_user.pk).password == before


def test_a_new_password_is_hashed_with_argon2(partner_a_rep):
    partner_a_rep.set_password("Sunny-harbour-77")
    partner_a_rep.save()

    assert partner_a_rep.password.startswith("argon2$argon2id$")
