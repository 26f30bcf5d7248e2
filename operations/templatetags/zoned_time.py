"""{% zoned_time value zone %}: a moment in a location's time zone, the zone named.

"2026-12-02 09:00:00 EST", or "2026-12-02 12:00:00 (Europe/Istanbul)" where the zone has no
lettered abbreviation; the <time> element keeps the exact instant and names the zone in its title.
"""

import zoneinfo

from django import template
from django.utils.html import format_html

register = template.Library()


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def zoned(value, zone: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """The moment as text in the zone, with the zone's abbreviation or, lacking one, its name."""
    tz = _zone(zone)
    local = value.astimezone(tz)
    abbreviation = local.tzname() or ""
    named = abbreviation if abbreviation[:1].isalpha() else f"({tz.key})"
    return f"{local.strftime(fmt)} {named}"


@register.simple_tag
def zoned_time(value, zone: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    if value is None:
        return ""
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', value.isoformat(), _zone(zone).key, zoned(value, zone, fmt)
    )
