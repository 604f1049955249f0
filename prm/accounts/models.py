from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Lower
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from prm.tenancy import TenantQuerySet

from .roles import PARTNER_ROLES, STAFF_ROLES, Role


class PrmUserManager(UserManager.from_queryset(TenantQuerySet)):
    def create_superuser(self, username=None, email=None, password=None, **extra_fields):
        # A superuser is the program's administrator (API.md: "a superuser has the program_admin role").
        extra_fields.setdefault("role", Role.PROGRAM_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person: vendor staff (no partner) or a partner organization's user. Logs in with the email."""

    tenant_field = "partner"

    email = models.EmailField("email address", max_length=254)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.PARTNER_REP)
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    invited_at = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=100, blank=True)

    objects = PrmUserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.CheckConstraint(
                name="user_partner_matches_role",
                condition=(
                    models.Q(role__in=sorted(r.value for r in PARTNER_ROLES), partner__isnull=False)
                    | models.Q(role__in=sorted(r.value for r in STAFF_ROLES), partner__isnull=True)
                ),
            ),
        ]
        indexes = [models.Index(fields=["partner", "id"])]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs) -> None:
        # Every way of setting a password (reset link, invitation, admin, API) ends in set_password() and save():
        # here, once, the user's API tokens are rotated, so a password reset also cuts off a stolen token.
        # (A hash upgrade on sign-in clears `_password` before saving, so it keeps the tokens.)
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            from rest_framework.authtoken.models import Token

            Token.objects.filter(user=self).delete()

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        if self.role in PARTNER_ROLES and not self.partner_id:
            raise ValidationError({"partner": "A partner user must belong to a partner organization."})
        if self.role in STAFF_ROLES and self.partner_id:
            raise ValidationError({"partner": "Vendor staff do not belong to a partner organization."})


class ApiKeyManager(BaseAPIKeyManager.from_queryset(TenantQuerySet)):
    def get_usable_keys(self):
        # The owner is needed on every authenticated request: fetch it with the key.
        return super().get_usable_keys().select_related("owner")


class ApiKey(AbstractAPIKey):
    """An integrator's key. Stored hashed (sha512 of a high-entropy secret); acts as its owner."""

    tenant_field = "owner__partner"

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    read_only = models.BooleanField(default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an Idempotency-Key header, replayed for repeats."""

    tenant_field = "user__partner"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
