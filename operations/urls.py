from django.urls import path

from operations import bulk_views, views

app_name = "operations"

urlpatterns = [
    path("", views.operation_list, name="list"),
    path("tickets/bulk/form/", views.tickets_bulk_form, name="tickets-bulk-form"),
    path("tickets/bulk/confirm/", views.tickets_bulk_form, name="tickets-bulk-confirm"),
    path("tickets/bulk/create/", views.tickets_bulk_create, name="tickets-bulk-create"),
    path("<slug:target>/bulk/", bulk_views.builder, name="builder"),
    path("<slug:target>/bulk/params/", bulk_views.builder_params, name="builder-params"),
    path("<slug:target>/bulk/count/", bulk_views.builder_count, name="builder-count"),
    path("<slug:target>/bulk/preview/", bulk_views.builder_preview, name="builder-preview"),
    path("<uuid:operation_id>/", views.operation_detail, name="detail"),
    path("<uuid:operation_id>/progress/", views.operation_progress, name="progress"),
    path("<uuid:operation_id>/items/", views.operation_items, name="items"),
    path("<uuid:operation_id>/results.csv", views.operation_results, name="results"),
    path("<uuid:operation_id>/cancel/", views.operation_cancel, name="cancel"),
    path("<uuid:operation_id>/retry/", views.operation_retry, name="retry"),
    path("<uuid:operation_id>/undo/", views.operation_undo, name="undo"),
    path("<uuid:operation_id>/start/", views.operation_start, name="start"),
    path("<uuid:operation_id>/edit/", views.operation_edit, name="edit"),
]
