"""The engine's only contact with django-q2: queueing runs and scheduling starts."""

from django_q.models import Schedule
from django_q.tasks import async_task

RUN_TASK = "operations.tasks.run_operation"
START_SCHEDULED_TASK = "operations.tasks.start_scheduled_operation"


def enqueue_run(operation_id) -> None:
    async_task(RUN_TASK, str(operation_id), task_name=f"bulk-operation-{operation_id}"[:100])


def _schedule_name(operation_id) -> str:
    return f"start-operation-{operation_id}"


def schedule_start(operation_id, when) -> None:
    """A one-off django-q2 schedule; the watchdog also starts due operations if it is missed."""
    Schedule.objects.update_or_create(
        name=_schedule_name(operation_id),
        defaults={
            "func": START_SCHEDULED_TASK,
            "args": repr(str(operation_id)),
            "schedule_type": Schedule.ONCE,
            "repeats": 1,
            "next_run": when,
        },
    )


def unschedule_start(operation_id) -> None:
    Schedule.objects.filter(name=_schedule_name(operation_id)).delete()
