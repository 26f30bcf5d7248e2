"""The engine's signal turned into notifications (the engine knows nothing of this app)."""

from notifications.services import notify_operation_finished
from operations.signals import operation_finished


def on_operation_finished(sender, operation, **kwargs) -> None:
    notify_operation_finished(operation)


def connect_receivers() -> None:
    operation_finished.connect(on_operation_finished, dispatch_uid="notifications.operation_finished")
