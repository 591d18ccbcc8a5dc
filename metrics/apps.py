from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"

    def ready(self) -> None:
        # The calculation listens to returns (an acceptance asks for a run), and its tasks are
        # registered with the Celery app in every process, so that they are sent by name and
        # run in-process in the embedded default's eager mode.
        from metrics.calculation import receivers, tasks  # noqa: F401 - imported for registration
