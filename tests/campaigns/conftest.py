"""Campaign fixtures: a controlled clock (a Monday morning in New York) and campaign builders."""

import datetime
import zoneinfo

import pytest

from campaigns import services
from campaigns.telephony import SimulatedBackend

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# Monday 23 November 2026, 10:00 in New York: inside default business hours (Mon-Fri 09-17).
MONDAY_10AM = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK)

NY_NUMBERS = ["+12125550101", "+12125550102", "+12125550103", "+12125550104", "+12125550105"]


def csv_of(numbers, header="phone") -> bytes:
    return (header + "\n" + "\n".join(numbers) + "\n").encode()


@pytest.fixture
def t0():
    return MONDAY_10AM


@pytest.fixture
def make_campaign(location, manager):
    """make_campaign(numbers=..., **settings) -> a draft campaign of `location`."""

    def make(numbers=None, **kwargs):
        kwargs.setdefault("timezone_name", "America/New_York")
        kwargs.setdefault("pacing_seconds", 10)
        campaign, _ = services.create_campaign(
            location=location,
            user=manager,
            file_bytes=csv_of(numbers or NY_NUMBERS),
            filename="contacts.csv",
            **kwargs,
        )
        return campaign

    return make


@pytest.fixture
def running_campaign(make_campaign, t0):
    """running_campaign(**settings) -> a campaign started at t0."""

    def make(numbers=None, **kwargs):
        campaign = make_campaign(numbers, **kwargs)
        services.start_campaign(campaign_id=campaign.pk, now=t0)
        campaign.refresh_from_db()
        return campaign

    return make


def sim(*outcomes) -> SimulatedBackend:
    """The simulated backend, outcomes scripted, callbacks delivered at once (at the dialer's `now`)."""
    return SimulatedBackend(seconds=0, script=list(outcomes))
