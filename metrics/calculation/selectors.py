"""Reads of calculation runs for pages and the API. Runs are national (one per quarter and
edition): anyone holding a role sees them, but only the inputs (return versions) of bodies in
their scope."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import RoleAssignment
from accounts.scope import AnyUser, is_national, organisations_visible_to
from metrics.calculation.inputs import input_set_members
from metrics.models.calculation import CalculationRun, CurrentRun
from metrics.models.returns import ReturnVersion
from oversight.errors import NotFound

# --- runs --------------------------------------------------------------------------------------


def has_any_role(user: AnyUser) -> bool:
    if not user.is_authenticated:
        return False
    return is_national(user) or RoleAssignment.objects.filter(user_id=user.pk).exists()


def runs_list(*, user: AnyUser) -> QuerySet[CalculationRun]:
    """Every run, to anyone holding a role (runs are national; their inputs are not)."""
    if not has_any_role(user):
        return CalculationRun.objects.none()
    return runs_all()


def runs_all() -> QuerySet[CalculationRun]:
    """Every run, newest first, each saying whether it is its quarter's current run."""
    return (
        CalculationRun.objects.select_related("period", "edition")
        .annotate(is_current=Exists(CurrentRun.objects.filter(run_id=OuterRef("pk"))))
        .order_by("-requested_at", "-id")
    )


def run_get(*, user: AnyUser, run_id: int) -> CalculationRun:
    run = runs_list(user=user).filter(pk=run_id).first()
    if run is None:
        raise NotFound("No such run")
    return run


def run_inputs(*, user: AnyUser, run: CalculationRun) -> QuerySet[ReturnVersion]:
    """The return versions the run read (its input set), of bodies in the user's scope only."""
    return (
        ReturnVersion.objects.filter(
            pk__in=input_set_members(run.input_set_id),
            return_record__organisation__in=organisations_visible_to(user),
        )
        .defer("file_content")
        .select_related("return_record__organisation", "return_record__period")
        .order_by(
            "-return_record__period__year",
            "-return_record__period__quarter",
            "return_record__organisation__ods_code",
        )
    )
