from django.contrib import admin
from django.urls import include, path

from analytics.views import dashboard

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("", include("accounts.urls")),
    path("agents/", include("agents.urls")),
    path("leads/bulk/", include("leads.bulk_urls")),
    path("leads/", include("leads.urls")),
    path("tickets/", include("tickets.urls")),
    path("operations/", include("operations.urls")),
    path("analytics/", include("analytics.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("notifications/", include("notifications.urls")),
]

handler400 = "config.errors.bad_request"
