import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from operations.ws_auth import JWTOrSessionAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The origin check applies to session-cookie sockets only (operations/ws_auth.py).
        "websocket": JWTOrSessionAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
