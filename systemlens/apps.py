from django.apps import AppConfig


class SystemlensConfig(AppConfig):
    name = "systemlens"
    verbose_name = "System lens"

    def ready(self) -> None:
        # The receiver of metrics.calculation.signals.run_published (roll-ups follow each run).
        from systemlens import receivers  # noqa: F401 - imported for registration
