"""django-q2 task entry points: thin wrappers around the engine."""

from operations import engine


def run_operation(operation_id: str) -> str:
    return engine.run_operation(operation_id)


def start_scheduled_operation(operation_id: str) -> bool:
    return engine.start_scheduled(operation_id)


def resume_stalled_operations() -> int:
    return engine.resume_stalled_operations()
