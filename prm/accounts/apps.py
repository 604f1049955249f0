from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "prm.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from prm import audit, security

        audit.register_models()
        user_logged_in.connect(security.session_signed_in, dispatch_uid="prm.security.session_signed_in")
