"""The calculation has a Celery queue of its own (settings.CELERY_TASK_ROUTES): a run never
waits behind the follow-ups of the run before it, which go to the default queue."""

from __future__ import annotations

import pytest
from django.conf import settings

from metrics.calculation.parts import PART_TASK
from metrics.calculation.runs import RECALCULATE_TASK
from oversight.celery import app
from rsp.tasks import EVALUATE_TASK
from segmentation.proposals_queue import COMPUTE_TASK
from systemlens.tasks import ROLLUPS_TASK

CALCULATION = {RECALCULATE_TASK, PART_TASK}
FOLLOW_UPS = {COMPUTE_TASK, EVALUATE_TASK, ROLLUPS_TASK}  # what a published run sets off


def route(name: str) -> tuple[str, str]:
    """The queue a task named ``name`` is sent to, and the routing key that takes it there."""
    queue = app.amqp.router.route({}, name)["queue"]
    return queue.name, queue.routing_key


def test_the_run_and_its_parts_go_to_the_calculation_queue() -> None:
    for name in CALCULATION:
        assert route(name) == ("calculation", "calculation"), name


@pytest.mark.parametrize("name", sorted(FOLLOW_UPS))
def test_what_a_published_run_sets_off_goes_to_the_default_queue(name: str) -> None:
    assert name in app.tasks  # registered, so this name is the one sent
    assert route(name) == ("celery", "celery")


def test_every_other_task_goes_to_the_default_queue() -> None:
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours >= CALCULATION | FOLLOW_UPS
    for name in ours - CALCULATION:
        assert route(name)[0] == settings.CELERY_TASK_DEFAULT_QUEUE == "celery", name


def test_a_message_reaches_one_queue_only() -> None:
    # Both queues are bound to one exchange: were their routing keys equal (Celery's default
    # for a queue declared by name alone), a run's message would be delivered to both.
    keys = [queue.routing_key for queue in app.amqp.queues.values()]
    assert sorted(keys) == ["calculation", "celery"]
