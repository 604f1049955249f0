from django.contrib import admin

from prm.admin import ReadOnlyAdmin

from .models import Agreement, Case, Partner, Tier


@admin.register(Tier)
class TierAdmin(ReadOnlyAdmin):
    list_display = ("name", "rank", "min_revenue", "deal_protection_days", "rebate_percent")


@admin.register(Partner)
class PartnerAdmin(ReadOnlyAdmin):
    list_display = ("name", "domain", "country", "partner_type", "status", "tier")
    list_filter = ("status", "partner_type", "tier")
    search_fields = ("name", "domain")
    raw_id_fields = ("manager",)


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ("title", "partner", "kind", "starts_on", "expires_on")
    raw_id_fields = ("partner",)


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("subject", "partner", "kind", "status", "owner", "due_at")
    list_filter = ("status", "kind")
    raw_id_fields = ("partner", "deal", "owner")
