"""Calling windows: business hours in the campaign's zone, 08:00-21:00 in every zone of the number."""

import datetime
import zoneinfo

from campaigns.dialer import contact_time_zones, contact_window_open, next_contact_window

UTC = datetime.UTC


def test_a_number_maps_to_its_zones_and_toll_free_to_many():
    assert contact_time_zones("+12125550101") == ("America/New_York",)
    assert contact_time_zones("+442079460958") == ("Europe/London",)
    assert len(contact_time_zones("+18005550199")) > 10


def test_the_window_must_be_open_in_every_zone_of_the_number():
    zones = contact_time_zones("+18005550199")  # from Hawaii to Newfoundland
    nine_am_new_york = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    assert contact_window_open(("America/New_York",), nine_am_new_york)
    assert not contact_window_open(zones, nine_am_new_york)  # 04:00 in Honolulu
    opening = next_contact_window(zones, nine_am_new_york)
    assert contact_window_open(zones, opening)
    assert not contact_window_open(zones, opening - datetime.timedelta(minutes=15))


def test_the_window_closes_at_21_local():
    london = ("Europe/London",)
    assert contact_window_open(london, datetime.datetime(2026, 11, 23, 20, 59, tzinfo=UTC))
    assert not contact_window_open(london, datetime.datetime(2026, 11, 23, 21, 0, tzinfo=UTC))
    assert next_contact_window(london, datetime.datetime(2026, 11, 23, 21, 0, tzinfo=UTC)) == datetime.datetime(
        2026, 11, 24, 8, 0, tzinfo=UTC
    )
