"""Signals the leads app sends, so that other apps (webhooks) react without leads knowing them."""

import logging

from django.dispatch import Signal

logger = logging.getLogger(__name__)

lead_import_completed = Signal()
"""Sent once when a lead import's operation finishes writing its rows. Keyword arguments:
``lead_import`` (the LeadImport) and ``summary`` (the import as the API shows it, status completed)."""


def send_lead_import_completed(lead_import, summary: dict) -> None:
    """Tell the receivers; one that raises is logged and never fails the import."""
    for receiver, result in lead_import_completed.send_robust(
        sender=type(lead_import), lead_import=lead_import, summary=summary
    ):
        if isinstance(result, Exception):
            logger.error("lead_import_completed receiver %r failed for %s", receiver, lead_import.pk, exc_info=result)
