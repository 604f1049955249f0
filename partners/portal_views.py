"""Partner-portal pages: the signed-in partner user's own organization, nothing else."""

from django.urls import reverse
from django.views.generic import TemplateView

from prm import tenancy
from prm.accounts import services as account_services
from prm.accounts.forms import InviteUserForm
from prm.accounts.models import User
from prm.accounts.serializers import UserSerializer
from prm.pages import ActionPageView, PortalPageMixin, SerializerFormMixin
from prm.permissions import has_perm

from .models import Agreement


class PortalHomeView(PortalPageMixin, TemplateView):
    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        from .engage import selectors as engage_selectors

        user = self.request.user
        agreements = tenancy.scope(Agreement.objects.all(), user).order_by("expires_on", "id")
        users = tenancy.scope(User.objects.all(), user)
        return super().get_context_data(
            agreements=list(agreements[:5]),
            active_users=users.filter(is_active=True).count(),
            pending_invites=users.filter(is_active=True, last_login__isnull=True, invited_at__isnull=False).count(),
            unread_announcements=engage_selectors.unread_announcements(user=user, limit=3),
            open_surveys=[s for s in engage_selectors.open_surveys_for(user=user) if s.my_response is None],
            **kwargs,
        )


class PortalAgreementsView(PortalPageMixin, TemplateView):
    template_name = "portal/agreements.html"

    def get_context_data(self, **kwargs):
        agreements = tenancy.scope(Agreement.objects.all(), self.request.user).order_by("expires_on", "id")
        return super().get_context_data(agreements=agreements, **kwargs)


class PortalUsersView(PortalPageMixin, SerializerFormMixin, TemplateView):
    """The organization's users; a partner_admin invites new ones here (an email with a set-password link)."""

    template_name = "portal/users.html"
    form_class = InviteUserForm
    serializer_class = UserSerializer
    success_message = "Invitation sent."

    def post(self, request, *args, **kwargs):
        if not has_perm(self.request.user, "user.manage"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only a partner admin can invite users.")
        return super().post(request, *args, **kwargs)

    def get_serializer(self, data):
        return UserSerializer(data={**data, "partner": self.request.user.partner_id}, context={"request": self.request})

    def get_context_data(self, **kwargs):
        users = tenancy.scope(User.objects.all(), self.request.user).order_by("-is_active", "email")
        return super().get_context_data(users=users, can_manage=has_perm(self.request.user, "user.manage"), **kwargs)

    def perform(self, data):
        return account_services.user_create(actor=self.request.user, **data)

    def get_success_url(self, result):
        return reverse("portal:users")


class _UserActionView(ActionPageView):
    permission_required = "user.manage"
    model = User
    action = None

    def perform(self, data):
        self.action(actor=self.request.user, user=self.object)
        return self.success_message.format(user=self.object.display_name)

    def get_success_url(self):
        return reverse("portal:users")


class UserDeactivateView(_UserActionView):
    action = staticmethod(account_services.user_deactivate)
    success_message = "{user} can no longer sign in."


class UserReactivateView(_UserActionView):
    action = staticmethod(account_services.user_reactivate)
    success_message = "{user} can sign in again."
