"""System checks (`manage.py check`): a Twilio deployment must be reachable by Twilio's callbacks."""

from urllib.parse import urlsplit

from django.core import checks

from campaigns import conf
from outreach.conf import public_base_url

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}  # noqa: S104 (hosts refused, not bound)


@checks.register(checks.Tags.compatibility)
def public_base_url_reachable(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With TELEPHONY_BACKEND=twilio, a local PUBLIC_BASE_URL loses every status callback: the
    watchdog would then ask Twilio about each call, and each call's outcome would arrive late."""
    if conf.telephony_backend() != "twilio":
        return []
    url = public_base_url()
    host = (urlsplit(url).hostname or "").lower()
    if host in LOCAL_HOSTS or host.endswith(".localhost") or host.startswith("127."):
        return [
            checks.Error(
                f"TELEPHONY_BACKEND is 'twilio' but PUBLIC_BASE_URL is {url!r} (unset or local): Twilio cannot"
                " reach the call-status webhook there, so no call's outcome would ever arrive.",
                hint="Set PUBLIC_BASE_URL to the public https address of this site, e.g. https://ops.example.com.",
                id="campaigns.E001",
            )
        ]
    return []
