from django.apps import AppConfig


class SystemlensConfig(AppConfig):
    name = "systemlens"
    verbose_name = "System lens"

    def ready(self) -> None:
        # The receiver of metrics.calculation.signals.run_published (roll-ups follow each run),
        # and the tasks, registered with the Celery app in every process so that they are sent
        # by name and run in-process in the embedded default's eager mode.
        from systemlens import receivers, tasks  # noqa: F401 - imported for registration
