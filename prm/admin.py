"""Django admin is a window, not a second way in: every write goes through the services (audit, outbox,
validation), so the domain models are shown read-only here."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
