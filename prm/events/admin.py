from django.contrib import admin

from .models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "aggregate_type", "aggregate_id", "created_at", "dispatched_at", "attempts")
    list_filter = ("name", "dispatched_at")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
