from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from prm.admin import ReadOnlyAdmin

from .models import ApiKey, User


@admin.register(User)
class PrmUserAdmin(ReadOnlyAdmin, UserAdmin):
    list_display = ("email", "username", "role", "partner", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (("PRM", {"fields": ("role", "partner", "title", "invited_at")}),)


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "owner", "read_only", "revoked", "created", "last_used_at")
    readonly_fields = ("prefix", "created", "last_used_at")
