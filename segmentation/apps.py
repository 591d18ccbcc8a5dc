from django.apps import AppConfig


class SegmentationConfig(AppConfig):
    name = "segmentation"

    def ready(self) -> None:
        # The receivers of what the calculation tells (metrics.calculation.signals), and the
        # tasks, registered with the Celery app in every process so that they are sent by name
        # and run in-process in the embedded default's eager mode.
        from segmentation import receivers, tasks  # noqa: F401 - imported for registration
