from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class EmailOrUsernameBackend(ModelBackend):
    """Users sign in with their email; a superuser made by createsuperuser may also use its username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        user = User.objects.filter(Q(email__iexact=username) | Q(username=username)).order_by("id").first()
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing hint that the user is unknown
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
