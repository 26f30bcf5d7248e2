from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self):
        from analytics.rollups import roll_up_finished
        from operations.signals import operation_finished

        operation_finished.connect(roll_up_finished, dispatch_uid="analytics.rollups.roll_up_finished")
