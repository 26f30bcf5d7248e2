from django.urls import path

from leads import bulk_views
from operations import bulk_views as flow

LEADS = {"target": "leads"}

app_name = "lead_bulk"

urlpatterns = [
    # The leads' bulk flow at its first address: the one flow of every target (operations.bulk_views).
    path("", flow.builder, LEADS, name="builder"),
    path("params/", flow.builder_params, LEADS, name="params"),
    path("count/", flow.builder_count, LEADS, name="count"),
    path("preview/", flow.builder_preview, LEADS, name="preview"),
    path("exports/<uuid:operation_id>/", bulk_views.export_download, name="export_download"),
    path("templates/", bulk_views.template_list, name="templates"),
    path("sms-count/", bulk_views.sms_count, name="sms_count"),
    path("templates/new/", bulk_views.template_edit, name="template_create"),
    path("templates/<int:pk>/", bulk_views.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", bulk_views.template_delete, name="template_delete"),
    path("templates/<int:pk>/preview/", bulk_views.template_preview, name="template_preview"),
]
