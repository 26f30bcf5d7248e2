from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Bulk operations"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each domain app declares its targets and operation types in operation_types.py.
        autodiscover_modules("operation_types")
