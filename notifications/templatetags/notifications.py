"""{% unread_notifications as n %}: the signed-in user's unread count, for the bell in base.html."""

from django import template

from notifications.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    user = context["request"].user
    return unread_count(user.pk) if user.is_authenticated else 0
