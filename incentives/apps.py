from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = "Incentives"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.IncentiveProgram, m2m_fields={"audience_tiers"}, exclude_fields=["committed"])
        auditlog.register(models.Accrual)
        auditlog.register(models.PayoutStatement)
        auditlog.register(models.MdfFund, exclude_fields=["approved_total"])
        auditlog.register(models.MdfRequest)
        auditlog.register(models.MdfClaim)
        auditlog.register(models.Badge)
        auditlog.register(models.Award)
