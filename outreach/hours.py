"""The callee-local contact window: calls and SMS reach a number only 08:00-21:00 in its own time.

A number can map to several time zones (+1 800 maps to dozens): the window must be open in all.
"""

import datetime
import functools
import zoneinfo

import phonenumbers
from phonenumbers import timezone as phone_timezones

CONTACT_WINDOW = (datetime.time(8, 0), datetime.time(21, 0))  # local time of the person reached


@functools.lru_cache(maxsize=65536)
def contact_time_zones(phone: str) -> tuple[str, ...]:
    """The time zones a number may ring in (several for some prefixes, e.g. +1 800)."""
    try:
        zones = phone_timezones.time_zones_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return ()
    return tuple(zone for zone in zones if zone != "Etc/Unknown")


def contact_window_open(zones: tuple[str, ...], now: datetime.datetime, window=CONTACT_WINDOW) -> bool:
    """Is the callee-local window (start, end) open in every zone of the number?"""
    start, end = window
    return all(start <= now.astimezone(zoneinfo.ZoneInfo(zone)).time() < end for zone in zones)


def next_contact_window(zones: tuple[str, ...], now: datetime.datetime, window=CONTACT_WINDOW) -> datetime.datetime:
    """The first quarter hour at which the window (08:00-21:00 by default) is open in every zone of the number."""
    moment = now.replace(second=0, microsecond=0)
    moment += datetime.timedelta(minutes=15 - moment.minute % 15)
    for _ in range(4 * 48):
        if contact_window_open(zones, moment, window):
            return moment
        moment += datetime.timedelta(minutes=15)
    return now + datetime.timedelta(hours=24)  # zones too far apart to share a window: try tomorrow
