"""{% allows "analytics.view" location as can_view %}: the policy table, asked from a template."""

from django import template

from accounts import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def allows(context, action: str, location, owner_id=None) -> bool:
    return policy.allows(context["request"].user, policy.Action(action), location, owner_id=owner_id)
