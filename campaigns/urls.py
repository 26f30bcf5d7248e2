from django.urls import path

from campaigns import calling_rules_views, views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("do-not-call/", calling_rules_views.do_not_call_list, name="do-not-call"),
    path("do-not-call/upload/", calling_rules_views.do_not_call_upload, name="do-not-call-upload"),
    path("do-not-call/<int:pk>/delete/", calling_rules_views.do_not_call_delete, name="do-not-call-delete"),
    path("calling-settings/", calling_rules_views.calling_settings, name="calling-settings"),
    path("calls/", views.recent_calls, name="calls"),
    path("calls/<int:call_id>/", views.call_detail, name="call"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/export.csv", views.export_contacts, name="export"),
    path("<int:campaign_id>/contacts/<int:contact_id>/", views.contact_calls, name="contact"),
    path("<int:campaign_id>/<str:action>/", views.campaign_action, name="action"),
]
