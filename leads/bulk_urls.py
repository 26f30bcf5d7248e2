from django.urls import path

from leads import bulk_views

app_name = "lead_bulk"

urlpatterns = [
    path("", bulk_views.builder, name="builder"),
    path("params/", bulk_views.builder_params, name="params"),
    path("count/", bulk_views.builder_count, name="count"),
    path("preview/", bulk_views.builder_preview, name="preview"),
    path("exports/<uuid:operation_id>/", bulk_views.export_download, name="export_download"),
    path("templates/", bulk_views.template_list, name="templates"),
    path("templates/new/", bulk_views.template_edit, name="template_create"),
    path("templates/<int:pk>/", bulk_views.template_edit, name="template_edit"),
    path("templates/<int:pk>/preview/", bulk_views.template_preview, name="template_preview"),
]
