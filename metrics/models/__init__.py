"""The models of metrics, split by part in the order data flows: the catalogue, returns,
calculation runs and their results. Django loads this module; import from the part's module."""

from metrics.models.calculation import CalculationRun, CurrentRun, RunInput, RunStatus
from metrics.models.catalogue import (
    CatalogueEvent,
    FrameworkEdition,
    Methodology,
    Metric,
    Period,
    Theme,
)
from metrics.models.results import (
    Flag,
    FlagUnit,
    MetricResult,
    QuartileThreshold,
    ResultUnit,
    SeriesUnit,
    SpcSeries,
    StoredFlag,
    StoredResult,
    StoredSeries,
)
from metrics.models.returns import (
    Finding,
    Reopening,
    Return,
    ReturnDraft,
    ReturnEvent,
    ReturnVersion,
    Value,
)

__all__ = [
    "CalculationRun",
    "CatalogueEvent",
    "CurrentRun",
    "Finding",
    "Flag",
    "FlagUnit",
    "FrameworkEdition",
    "Methodology",
    "Metric",
    "MetricResult",
    "Period",
    "QuartileThreshold",
    "Reopening",
    "ResultUnit",
    "Return",
    "ReturnDraft",
    "ReturnEvent",
    "ReturnVersion",
    "RunInput",
    "RunStatus",
    "SeriesUnit",
    "SpcSeries",
    "StoredFlag",
    "StoredResult",
    "StoredSeries",
    "Theme",
    "Value",
]
