"""Where a webhook may send: the SSRF guard, checked when a URL is saved and again after DNS
resolution at every delivery (the connection goes to the address that was checked, so a DNS
answer that changes between the check and the connect cannot reach a private network).

Private, loopback, link-local, multicast, reserved and unspecified addresses are refused unless
``settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS`` (default: on only with DEBUG).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

MAX_URL_LENGTH = 2000


class DestinationRefused(Exception):
    """The URL is malformed or leads to an address the guard refuses; the message says why."""


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def private_networks_allowed() -> bool:
    return bool(settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS)


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL; DestinationRefused when it is not one."""
    if len(url) > MAX_URL_LENGTH:
        raise DestinationRefused(f"At most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused(f"Not a valid URL: {exc}.") from None
    if parts.scheme not in ("http", "https"):
        raise DestinationRefused("Use an http:// or https:// URL.")
    if not parts.hostname:
        raise DestinationRefused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise DestinationRefused("Credentials in the URL are not allowed; check the X-Signature header instead.")
    if any(ord(char) < 33 for char in url):
        raise DestinationRefused("The URL may not contain spaces or control characters.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def resolve(host: str, port: int) -> list[str]:
    """The addresses the guard lets us connect to for host:port, in the resolver's order.

    Raises DestinationRefused when the name does not resolve or every address is refused.
    """
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DestinationRefused(f"The host {host!r} could not be resolved ({exc}).") from None
    addresses = list(dict.fromkeys(answer[4][0] for answer in answers))
    if private_networks_allowed():
        return addresses
    allowed = [a for a in addresses if is_public(ipaddress.ip_address(a.split("%", 1)[0]))]
    if not allowed:
        raise DestinationRefused(
            f"{host} resolves to a private, loopback, link-local or reserved address ({', '.join(addresses)}); "
            "such destinations are refused (WEBHOOKS_ALLOW_PRIVATE_NETWORKS is off)."
        )
    return allowed


def check_url(url: str) -> None:
    """Refuse a URL a webhook may not be saved with (DestinationRefused)."""
    _, host, port, _ = parse(url)
    resolve(host, port)
