"""WebSocket authentication: an `Authorization: Bearer` JWT, or the session cookie behind an origin check.

A socket that carries `Authorization: Bearer` is authenticated by that token alone, with no
origin check: a browser never sends a bearer token on a WebSocket of its own accord, so a
cross-site page cannot borrow it, and server-side clients (Python `websockets`, Node `ws`)
send no Origin. Any other socket is authenticated by the session cookie, which a browser does
send cross-site, so it must come from an allowed host's page (AllowedHostsOriginValidator).
"""

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken


@database_sync_to_async
def user_for_token(raw_token: str):
    try:
        token = AccessToken(raw_token)
    except TokenError:
        return AnonymousUser()
    return get_user_model().objects.filter(pk=token.get("user_id"), is_active=True).first() or AnonymousUser()


def bearer_token(scope) -> str | None:
    """The token of the socket's `Authorization: Bearer <token>` header, if it has one."""
    authorization = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


class BearerTokenMiddleware(BaseMiddleware):
    """scope["user"]: the token's active user, or AnonymousUser for a bad or expired token."""

    async def __call__(self, scope, receive, send):
        scope = dict(scope, user=await user_for_token(bearer_token(scope) or ""))
        return await super().__call__(scope, receive, send)


class JWTOrSessionAuthMiddleware:
    """Bearer sockets: the token, no origin check. Other sockets: the session cookie, from an allowed origin."""

    def __init__(self, inner):
        self.bearer = BearerTokenMiddleware(inner)
        self.session = AllowedHostsOriginValidator(AuthMiddlewareStack(inner))

    async def __call__(self, scope, receive, send):
        if bearer_token(scope) is not None:
            return await self.bearer(scope, receive, send)
        return await self.session(scope, receive, send)
