from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = "Performance"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth.signals import user_logged_in

        from . import models
        from .activity import signed_in

        user_logged_in.connect(signed_in, dispatch_uid="performance.signed_in")
        auditlog.register(models.ScoringRule)
        auditlog.register(models.PerformanceSettings)
        auditlog.register(models.TierProposal)
        auditlog.register(models.BusinessPlan)
        auditlog.register(models.PlanObjective)
