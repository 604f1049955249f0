from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "prm.events"
    label = "events"
    verbose_name = "Events (outbox)"

    def ready(self) -> None:
        from prm.plugins import app_modules

        # Importing each domain app's handlers.py subscribes its handlers: no app lists its own in ready().
        app_modules("handlers")
