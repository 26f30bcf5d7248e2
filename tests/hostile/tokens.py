"""Forged, expired and dead JWTs, each made from a genuine one by changing one thing.

Each forger takes (user, admin_user) and gives a token string; the admin is whom a forgery
would like to be.
"""

import base64
import json
import time
import warnings

import jwt
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests import factories

OTHER_KEY = "not-our-secret-key-but-long-enough-for-hs256"


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def sign(payload: dict, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key or settings.SECRET_KEY, algorithm=algorithm)


def unsigned(payload: dict) -> str:
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."


def claims(user, **changes) -> dict:
    return {**AccessToken.for_user(user).payload, **changes}


def expired(user, admin_user) -> str:
    return sign(claims(user, exp=int(time.time()) - 60))


def signed_with_another_key(user, admin_user) -> str:
    return sign(claims(user), key=OTHER_KEY)


def signed_with_another_algorithm(user, admin_user) -> str:
    with warnings.catch_warnings():  # PyJWT finds the development key short for HS512: beside the point
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return sign(claims(user), algorithm="HS512")


def payload_swapped_for_the_admin(user, admin_user) -> str:
    header, _, signature = str(AccessToken.for_user(user)).split(".")
    return ".".join([header, b64(claims(user, user_id=str(admin_user.pk))), signature])


def algorithm_none(user, admin_user) -> str:
    return unsigned(claims(admin_user))


def refresh_token_used_as_access(user, admin_user) -> str:
    return str(RefreshToken.for_user(user))


def without_a_user_id(user, admin_user) -> str:
    payload = claims(user)
    del payload["user_id"]
    return sign(payload)


def of_a_deleted_user(user, admin_user) -> str:
    ghost = factories.make_user("ghost")
    token = str(AccessToken.for_user(ghost))
    ghost.delete()
    return token


def of_a_deactivated_user(user, admin_user) -> str:
    token = str(AccessToken.for_user(user))
    user.is_active = False
    user.save()
    return token


FORGERIES = [
    expired,
    signed_with_another_key,
    signed_with_another_algorithm,
    payload_swapped_for_the_admin,
    algorithm_none,
    refresh_token_used_as_access,
    without_a_user_id,
    of_a_deleted_user,
    of_a_deactivated_user,
]
