from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/export.csv", views.export_contacts, name="export"),
    path("<int:campaign_id>/contacts/<int:contact_id>/", views.contact_calls, name="contact"),
    path("<int:campaign_id>/<str:action>/", views.campaign_action, name="action"),
]
