"""A lead import: the uploaded file, its options and counts, and its rows as the engine's records."""

from django.conf import settings
from django.db import models


class ImportStatus(models.TextChoices):
    """Before the operation runs; from then on the operation's own status is the import's."""

    DRAFT = "draft", "Uploaded, not started"
    DRY_RUN = "dry_run", "Dry run (nothing written)"
    STARTED = "started", "Started"


class OnDuplicate(models.TextChoices):
    SKIP = "skip", "Skip the row"
    UPDATE = "update", "Update the existing lead"


class MatchOn(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    EMAIL_OR_PHONE = "email_or_phone", "Email or phone"


class LeadImport(models.Model):
    """One uploaded file of leads. Its rows are the records a `lead_import` bulk operation acts on."""

    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="lead_imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="lead-imports/", blank=True)
    file_name = models.CharField(max_length=255)
    options = models.JSONField(default=dict, blank=True, help_text="on_duplicate, match_on, mapping, region")
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.DRAFT)
    total_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first rejected rows: row, field, message")
    operation = models.OneToOneField(
        "operations.BulkOperation", on_delete=models.SET_NULL, null=True, blank=True, related_name="lead_import"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Import of {self.file_name}"

    @property
    def current_status(self) -> str:
        """The operation's status once started (pending … completed / cancelled), else draft / dry_run."""
        return self.operation.status if self.operation_id else self.status


class LeadImportRow(models.Model):
    """One data row of the file: its cells as read, the lead fields parsed from them, and their problems."""

    lead_import = models.ForeignKey(LeadImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(help_text="The spreadsheet's own row number (the header is 1)")
    cells = models.JSONField(default=list)
    values = models.JSONField(default=dict, help_text="Parsed lead fields")
    problems = models.JSONField(default=list, help_text="[[field, message], …]: the row is rejected")
    duplicate_of = models.PositiveIntegerField(null=True, blank=True, help_text="An earlier row of the same lead")
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The lead this row created or updated",
    )

    class Meta:
        ordering = ["lead_import", "row_number"]
        constraints = [models.UniqueConstraint(fields=["lead_import", "row_number"], name="unique_import_row")]

    def __str__(self):
        return f"Row {self.row_number} of import {self.lead_import_id}"
