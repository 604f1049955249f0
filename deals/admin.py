from django.contrib import admin

from prm.admin import ReadOnlyAdmin

from .models import Customer, Deal, ExchangeRate, Lead


@admin.register(Deal)
class DealAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer_name", "partner", "status", "amount", "currency", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("partner", "customer", "registered_by", "approved_by", "lead")
    show_full_result_count = False  # a million deals: no COUNT(*) per page


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("name", "domain", "created_at")
    search_fields = ("domain",)
    show_full_result_count = False


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    list_display = ("customer_name", "country", "status", "partner", "respond_by")
    list_filter = ("status",)
    raw_id_fields = ("partner",)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    list_display = ("currency", "rate", "valid_from")
    list_filter = ("currency",)
