from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "Registry of overseen bodies"

    def ready(self) -> None:
        # Connects the sign-in stamp of the session limits (user_logged_in).
        from oversight import security  # noqa: F401
