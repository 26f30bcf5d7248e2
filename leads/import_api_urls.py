from leads.import_api import LeadImportDetailApi, LeadImportErrorsApi, LeadImportListApi
from web.api import api_path

urlpatterns = [
    *api_path("leads/imports", LeadImportListApi, name="api-lead-import-list"),
    *api_path("leads/imports/<int:import_id>", LeadImportDetailApi, name="api-lead-import-detail"),
    *api_path("leads/imports/<int:import_id>/errors.csv", LeadImportErrorsApi, name="api-lead-import-errors"),
]
