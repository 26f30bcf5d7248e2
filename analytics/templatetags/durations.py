"""Seconds as a person reads them, in the unit that fits, labelled."""

from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """ "340 ms" under a second, "12.5 s" under a minute, "3 min 20 s", "10 h 54 min"; a dash for None."""
    if seconds is None or seconds == "":
        return "\u2013"
    seconds = float(seconds)
    if seconds == 0:
        return "0 s"
    if round(seconds * 1000) < 1000:
        return f"{round(seconds * 1000)} ms"
    if round(seconds, 1) < 60:
        return f"{seconds:.1f} s"
    if round(seconds) < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours:,} h {minutes} min"
