from django.urls import path

from leads import import_views, views

app_name = "leads"

urlpatterns = [
    path("", views.lead_list, name="list"),
    path("<int:lead_id>/", views.lead_detail, name="detail"),
    path("import/", import_views.import_upload, name="import"),
    path("import/<int:import_id>/", import_views.import_review, name="import-review"),
    path("import/<int:import_id>/discard/", import_views.import_discard, name="import-discard"),
]
