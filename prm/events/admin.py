from django.contrib import admin

from prm.admin import ReadOnlyAdmin

from .models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "aggregate_type", "aggregate_id", "created_at", "dispatched_at", "attempts")
    list_filter = ("name", "dispatched_at")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
