from django.contrib import admin

from .models import Agreement, Partner, Tier


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ("name", "rank", "min_revenue", "deal_protection_days", "rebate_percent")


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "country", "partner_type", "status", "tier")
    list_filter = ("status", "partner_type", "tier")
    search_fields = ("name", "domain")
    raw_id_fields = ("manager",)


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ("title", "partner", "kind", "starts_on", "expires_on")
    raw_id_fields = ("partner",)
