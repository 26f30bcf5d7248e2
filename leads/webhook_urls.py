"""Twilio's SMS webhooks under /api/v1/leads/webhooks/ (see README, "Twilio webhooks")."""

from django.urls import path

from leads import webhooks

urlpatterns = [
    path("leads/webhooks/sms", webhooks.inbound_sms, name="leads-sms-inbound"),
    path("leads/webhooks/sms-status", webhooks.sms_status, name="leads-sms-status"),
]
