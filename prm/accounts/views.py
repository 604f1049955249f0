from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.generic import RedirectView, TemplateView, View
from rest_framework.authtoken.models import Token

from prm.api.authentication import token_expires_at
from prm.api.throttling import LoginThrottle, PasswordResetEmailThrottle, PasswordResetThrottle, page_wait
from prm.pages import ActionPageView, ScopedPageMixin, SerializerFormMixin
from prm.permissions import has_perm

from . import services
from .forms import ApiKeyForm, LoginForm
from .models import ApiKey
from .serializers import ApiKeySerializer


class LoginView(auth_views.LoginView):
    """Sign-in with the email; attempts per client address are limited like the API's token endpoint."""

    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = page_wait(LoginThrottle, request, self)
        if wait is not None:
            response = render(
                request,
                self.template_name,
                {"form": self.get_form(), "throttled": f"Too many sign-in attempts. Try again in {wait} seconds."},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Reset links are limited per client address (429) and per target email: past that, the page answers as
    usual but sends nothing, so nobody can fill an inbox and the answer still does not say who has an account."""

    def post(self, request, *args, **kwargs):
        wait = page_wait(PasswordResetThrottle, request, self)
        if wait is not None:
            context = self.get_context_data(
                form=self.get_form(), throttled=f"Too many reset requests. Try again in {wait // 60 + 1} minutes."
            )
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if not PasswordResetEmailThrottle().allow_request(self.request, self):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class HomeView(RedirectView):
    """Each user lands on their own portal."""

    def get_redirect_url(self, *args, **kwargs):
        user = self.request.user
        if not user.is_authenticated:
            return reverse("login")
        return reverse("manage:dashboard") if has_perm(user, "portal.manager") else reverse("portal:home")


class ApiKeysView(ScopedPageMixin, SerializerFormMixin, TemplateView):
    template_name = "account/api_keys.html"
    permission_required = "apikey.manage"
    model = ApiKey
    form_class = ApiKeyForm
    serializer_class = ApiKeySerializer

    def get_initial(self):
        return {"read_only": True}

    def get_context_data(self, **kwargs):
        keys = self.get_queryset().filter(owner=self.request.user).order_by("revoked", "-created")
        token = Token.objects.filter(user=self.request.user).first()
        token_expires = token_expires_at(token) if token else None
        return super().get_context_data(keys=keys, token=token, token_expires=token_expires, **kwargs)

    def post(self, request, *args, **kwargs):
        self.created_secret = None
        response = super().post(request, *args, **kwargs)
        if self.created_secret:
            # Shown once, on the page that answers the POST; never stored in clear, never in a redirect.
            return self.render_to_response(
                self.get_context_data(form=self.get_form(), new_key=self.created_secret, new_key_name=self.created_name)
            )
        return response

    def perform(self, data):
        api_key, self.created_secret = services.api_key_create(actor=self.request.user, **data)
        self.created_name = api_key.name
        return api_key

    def get_success_url(self, result):
        return reverse("account:api-keys")


class ApiKeyRevokeView(ActionPageView):
    permission_required = "apikey.manage"
    model = ApiKey
    pk_url_kwarg = "prefix"

    def get_queryset(self):
        return super().get_queryset().filter(owner=self.request.user)

    def get_object(self, queryset=None):
        from prm import tenancy

        return tenancy.get_visible_or_404(self.get_queryset(), self.request.user, prefix=self.kwargs["prefix"])

    def perform(self, data):
        services.api_key_revoke(actor=self.request.user, api_key=self.object)
        return f"API key “{self.object.name}” revoked."

    def get_success_url(self):
        return reverse("account:api-keys")


class TokenRevokeView(ScopedPageMixin, View):
    """The signed-in user ends their own API token (one per user, issued by POST /api/v1/auth/token/)."""

    permission_required = "apikey.manage"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        token = Token.objects.filter(user=request.user).first()
        if token is None:
            messages.info(request, "You have no active API token.")
        else:
            services.token_revoke(actor=request.user, token=token)
            messages.success(request, "API token revoked. Scripts using it now get 401.")
        return HttpResponseRedirect(reverse("account:api-keys"))


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
