from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Announcement, Application, ApplicationScore, Case, ScreeningCriterion, Survey

        for model in (Application, ApplicationScore, ScreeningCriterion, Announcement, Survey):
            auditlog.register(model)
        # Case messages are not audited: they are append-only, and an audit trail of internal notes would show
        # their text to the partner admins who may read a case's history.
        auditlog.register(Case, exclude_fields=["updated_at"])
