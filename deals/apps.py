from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = "Deals"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Deal, ExchangeRate, Lead

        auditlog.register(Deal, exclude_fields=["updated_at", "expiry_warned_on"])
        auditlog.register(Lead, exclude_fields=["updated_at"])
        auditlog.register(ExchangeRate)
