from django.urls import path

from campaigns import api, do_not_call_api, webhooks
from web.api import api_path

app_name = "campaigns-api"

urlpatterns = [
    *api_path("campaigns/create", api.CampaignCreateApi, "create"),
    *api_path("campaigns/preview", api.CampaignPreviewApi, "preview"),
    path("campaigns/webhooks/status", webhooks.status_callback, name="status-callback"),
    path("campaigns/webhooks/status/", webhooks.status_callback),
    path("campaigns/webhooks/answered", webhooks.answered, name="answered"),
    path("campaigns/webhooks/whisper", webhooks.whisper, name="whisper"),
    *api_path("campaigns", api.CampaignListApi, "list"),
    *api_path("campaigns/<int:campaign_id>", api.CampaignDetailApi, "detail"),
    *api_path("campaigns/<int:campaign_id>/contacts", api.CampaignContactsApi, "contacts"),
    *api_path("campaigns/<int:campaign_id>/calls", api.CampaignCallsApi, "calls"),
    *api_path("do-not-call", do_not_call_api.DoNotCallListApi, "do-not-call"),
    *api_path("do-not-call/<int:pk>", do_not_call_api.DoNotCallDetailApi, "do-not-call-detail"),
    *api_path("campaigns/<int:campaign_id>/start", api.CampaignStartApi, "start"),
    *api_path("campaigns/<int:campaign_id>/pause", api.CampaignPauseApi, "pause"),
    *api_path("campaigns/<int:campaign_id>/resume", api.CampaignResumeApi, "resume"),
]
