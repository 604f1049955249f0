from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = "Onboarding"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.OnboardingTemplate)
        auditlog.register(models.OnboardingTemplateStep)
        auditlog.register(models.OnboardingPlan, exclude_fields=["last_progress_at"])
        auditlog.register(models.OnboardingStep, exclude_fields=["last_reminded_on"])
        auditlog.register(models.Course, m2m_fields={"audience_tiers"})
        auditlog.register(models.CourseModule)
        auditlog.register(models.QuizQuestion)
        auditlog.register(models.Certification)
        auditlog.register(models.Resource, m2m_fields={"audience_tiers"})
        auditlog.register(models.ResourceVersion)
