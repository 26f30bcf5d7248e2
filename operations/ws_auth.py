"""WebSocket authentication: the session cookie, or an `Authorization: Bearer` JWT."""

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
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


class BearerTokenMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", []))
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        if authorization[:7].lower() == "bearer ":
            scope = dict(scope, user=await user_for_token(authorization[7:].strip()))
        return await super().__call__(scope, receive, send)


def JWTOrSessionAuthMiddleware(inner):
    return AuthMiddlewareStack(BearerTokenMiddleware(inner))
