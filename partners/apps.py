from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import handlers  # noqa: F401  (subscribes to outbox events)
        from .models import Announcement, Application, ApplicationScore, ScreeningCriterion, Survey

        for model in (Application, ApplicationScore, ScreeningCriterion, Announcement, Survey):
            auditlog.register(model)
