from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"

    def ready(self) -> None:
        # The calculation listens to returns (an acceptance asks for a run): connect it.
        from metrics.calculation import receivers  # noqa: F401
