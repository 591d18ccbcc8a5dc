from django.apps import AppConfig


class RspConfig(AppConfig):
    name = "rsp"
    verbose_name = "Support cases"

    def ready(self) -> None:
        from rsp import receivers, tasks  # noqa: F401 - imported for registration
