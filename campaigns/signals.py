"""Signals the campaign services send, so that other apps (webhooks) react without campaigns knowing them."""

import logging

from django.dispatch import Signal

logger = logging.getLogger(__name__)

campaign_completed = Signal()
"""Sent once when a running campaign becomes completed, after the change is saved. Keyword
argument: ``campaign`` (the Campaign)."""


def send_campaign_completed(campaign) -> None:
    """Tell the receivers; one that raises is logged and never undoes the completion."""
    for receiver, result in campaign_completed.send_robust(sender=type(campaign), campaign=campaign):
        if isinstance(result, Exception):
            logger.error("campaign_completed receiver %r failed for %s", receiver, campaign.pk, exc_info=result)
