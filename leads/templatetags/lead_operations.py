"""Lead page panels of the bulk-operations features: the score explanation and the messages."""

from django import template

from leads import scoring
from leads.models import Lead

register = template.Library()


@register.inclusion_tag("leads/_score_explanation.html")
def score_explanation(lead: Lead) -> dict:
    """Which rule gives how many points now, with the location's weights and thresholds."""
    config = scoring.config_for(lead.location)
    return {"lead": lead, "explained": scoring.explain(lead, config=config), "config": config}


@register.inclusion_tag("leads/_lead_messages.html")
def lead_messages(lead: Lead, limit: int = 20) -> dict:
    return {
        "messages_sent": lead.messages.select_related("template").order_by("-created_at", "-id")[:limit],
        "consent_changes": lead.consent_changes.select_related("inbound")[:limit],
    }
