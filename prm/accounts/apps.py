from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "prm.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from prm import audit

        audit.register_models()
