"""Every REST endpoint lives under /api/v1/; each app contributes its own api_urls."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from web.api import NotFoundApi

urlpatterns = [
    path("auth/token/", TokenObtainPairView.as_view(), name="api-token"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="api-token-refresh"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script from ?script: no inline script (CSP).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("", include("accounts.api_urls")),
    path("", include("agents.api_urls")),
    path("", include("leads.assignment_api_urls")),
    path("", include("leads.bulk_api_urls")),
    path("", include("leads.api_urls")),
    path("", include("leads.import_api_urls")),
    path("", include("leads.webhook_urls")),
    path("", include("tickets.api_urls")),
    path("", include("analytics.api_urls")),
    path("", include("operations.api_urls")),
    path("", include("campaigns.api_urls")),
    path("", include("webhooks.api_urls")),
    path("", include("notifications.api_urls")),
    re_path(r"", NotFoundApi.as_view()),  # last: any path no route above matched (even with a newline)
]
