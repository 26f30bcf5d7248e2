from leads.assignment_api import BulkAssignApi, LeadAssignApi, LeadReassignApi
from leads.assignment_trail_api import LeadAssignmentsApi
from web.api import api_path

urlpatterns = [
    *api_path("leads/<int:lead_id>/assign", LeadAssignApi, name="api-lead-assign"),
    *api_path("leads/<int:lead_id>/reassign", LeadReassignApi, name="api-lead-reassign"),
    *api_path("leads/<int:lead_id>/assignments", LeadAssignmentsApi, name="api-lead-assignments"),
    *api_path("leads/bulk-assign", BulkAssignApi, name="api-lead-bulk-assign"),
]
