from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self):
        from agents import work
        from leads.models import CLOSED_STAGES, Lead, LeadAssignment
        from leads.performance import lead_performance

        work.register(
            work.WorkKind(
                name="leads",
                noun="lead",
                records=Lead.objects.all,
                open_items=lambda: Lead.objects.exclude(stage__in=CLOSED_STAGES),
                owner_field="owner",
                trail=LeadAssignment,
                trail_field="lead",
                performance=lead_performance,
            )
        )

        # The registry finds leads.operation_types; the message, export and import types live
        # beside it (outbound_types builds on it), so importing them here registers them.
        from leads import import_type, outbound_types  # noqa: F401
