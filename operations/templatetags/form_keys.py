"""The one-time key of a form that starts work (see operations/form_keys.py).

{% form_key_input "slot" … %} renders it as a hidden input, {% form_key_vals "slot" … %} as an
htmx link's hx-vals. The slot names the form on its page: static/js/form_keys.js keeps each
slot's first key with the history entry, so a page the browser fetches again on Back sends the
key it sent before.
"""

from django import template
from django.utils.html import format_html

from operations import form_keys

register = template.Library()


def _slot(parts) -> str:
    return "-".join(str(part) for part in parts)


@register.simple_tag
def form_key_input(*slot) -> str:
    """Without a slot, the page's script leaves the fresh key alone (a form shown again after a refusal)."""
    if not slot:
        return format_html('<input type="hidden" name="{}" value="{}">', form_keys.FIELD, form_keys.new_key())
    return format_html(
        '<input type="hidden" name="{}" value="{}" data-form-key="{}">',
        form_keys.FIELD,
        form_keys.new_key(),
        _slot(slot),
    )


@register.simple_tag
def form_key_vals(*slot) -> str:
    return format_html(
        """hx-vals='{{"{}": "{}"}}' data-form-key="{}\"""", form_keys.FIELD, form_keys.new_key(), _slot(slot)
    )
