"""Signals the engine sends, so that other apps (webhooks, notifications) react without the engine
knowing them."""

import logging

from django.dispatch import Signal

logger = logging.getLogger(__name__)

operation_finished = Signal()
"""Sent once when an operation reaches a final state (completed, failed, cancelled), after the
status change is saved. Keyword argument: ``operation`` (the BulkOperation, refreshed)."""


def send_operation_finished(operation) -> None:
    """Tell the receivers; one that raises is logged and never undoes or breaks the engine's work."""
    for receiver, result in operation_finished.send_robust(sender=type(operation), operation=operation):
        if isinstance(result, Exception):
            logger.error("operation_finished receiver %r failed for %s", receiver, operation.pk, exc_info=result)
