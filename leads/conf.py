"""The lead app's own settings, read in this one place (settings first, then the environment).

- SMS_BACKEND: dotted path of the SMS backend (default: the console backend).
- SMS_FILE_PATH: where leads.messaging.FileSMSBackend appends one JSON line per SMS.
- The Twilio account (TWILIO_*) and PUBLIC_BASE_URL: outreach/conf.py, shared with campaigns.
- MESSAGE_STALE_SECONDS: a message claimed for sending this long ago whose worker died is
  reconciled (never simply sent again).
- LEAD_EXPORT_CHUNK_SIZE: rows fetched per database round trip when exporting.
- SMS_MAX_SEGMENTS: an SMS longer than this many segments is refused (forms, API) or skipped.
- SMS_QUIET_HOURS: true (default) holds an SMS until 08:00-21:00 in the lead's own time zone.
- SMS_RATE_PER_SECOND: SMS per second per sending number, across all workers (default 1, a
  Twilio long code's limit).
"""

import os

from django.conf import settings


def _get(name: str, default: str) -> str:
    return getattr(settings, name, os.environ.get(name, default))


def sms_backend() -> str:
    return _get("SMS_BACKEND", "leads.messaging.ConsoleSMSBackend")


def sms_file_path() -> str:
    return str(_get("SMS_FILE_PATH", str(settings.VAR_DIR / "sms.log")))


def message_stale_seconds() -> float:
    return float(_get("MESSAGE_STALE_SECONDS", "120"))


def export_chunk_size() -> int:
    return int(_get("LEAD_EXPORT_CHUNK_SIZE", "5000"))


def sms_max_segments() -> int:
    return int(_get("SMS_MAX_SEGMENTS", "10"))


def sms_quiet_hours() -> bool:
    return str(_get("SMS_QUIET_HOURS", "true")).strip().lower() not in ("0", "false", "no", "off")


def sms_rate_per_second() -> float:
    rate = float(_get("SMS_RATE_PER_SECOND", "1"))
    if rate <= 0:
        raise ValueError("SMS_RATE_PER_SECOND must be above 0")
    return rate
