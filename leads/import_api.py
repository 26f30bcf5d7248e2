"""POST /api/v1/leads/imports (a file of leads in), GET its outcome and its error file."""

import io

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import locations_for
from accounts.serializers import LocationField, resolve_location
from leads import importing
from leads.import_models import LeadImport, MatchOn, OnDuplicate
from spreadsheets.reading import FIELDS, UnreadableFile
from web.errors import Refused


class ImportInput(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (any delimiter), TXT, XLSX or XLS; the first row names the columns")
    dry_run = serializers.BooleanField(default=False, help_text="Parse and plan every row; write no lead")
    on_duplicate = serializers.ChoiceField(choices=OnDuplicate.choices, default=OnDuplicate.SKIP)
    match_on = serializers.ChoiceField(choices=MatchOn.choices, default=MatchOn.EMAIL_OR_PHONE)
    mapping = serializers.JSONField(
        required=False,
        binary=True,
        help_text="JSON object column name → lead field (" + ", ".join(FIELDS) + ", or '' to ignore a column);"
        " default: guessed from the headers (English, Spanish, French, German, Portuguese)",
    )
    region = serializers.RegexField(
        r"^[A-Za-z]{2}$", required=False, help_text="Default country of phone numbers; default: the location's"
    )
    location = LocationField(required=False, allow_null=True)


class ImportCreatedOutput(serializers.Serializer):
    import_id = serializers.IntegerField()
    operation_id = serializers.UUIDField(allow_null=True)
    status = serializers.CharField()
    total_rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()


class ImportErrorOutput(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class ImportOutput(ImportCreatedOutput):
    file_name = serializers.CharField()
    dry_run = serializers.BooleanField()
    options = serializers.JSONField()
    errors = ImportErrorOutput(many=True)
    error_file_url = serializers.CharField()


def _imports_for(user):
    return LeadImport.objects.filter(location__in=locations_for(user)).select_related("operation")


class LeadImportListApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportInput},
        responses={201: ImportCreatedOutput, 202: ImportCreatedOutput},
        summary="Import leads from a file",
        description=(
            f"Up to {importing.INLINE_ROWS} rows the import runs within the request: 201 with its counts. "
            "Larger files: 202, the import runs as a bulk operation (follow `operation_id` on "
            "/api/v1/bulk-operations/{id}, or GET /api/v1/leads/imports/{import_id}). A dry run (201) "
            "writes no lead. A file that cannot be read (empty, malformed, not a spreadsheet, too large, "
            "a zip bomb) is a 400 on `file`; a mapping that cannot be used a 400 on `mapping`. "
            "Needs the `lead.import` policy action (managers and admins)."
        ),
    )
    def post(self, request):
        data = ImportInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        location = resolve_location(data, values)
        upload = values["file"]
        if upload.size > settings.MAX_UPLOAD_SIZE:
            message = f"The file is larger than {settings.MAX_UPLOAD_SIZE / (1024 * 1024):g} MB."
            raise Refused(message, errors=[{"field": "file", "message": message}])
        options = {
            "on_duplicate": values["on_duplicate"],
            "match_on": values["match_on"],
            "mapping": values.get("mapping"),
            "region": values["region"].upper() if values.get("region") else None,
        }
        try:
            lead_import = importing.create_import(
                user=request.user,
                location=location,
                data=upload.read(),
                filename=upload.name or "",
                options=options,
                dry_run=values["dry_run"],
            )
        except UnreadableFile as exc:
            raise Refused(str(exc), errors=[{"field": "file", "message": str(exc)}]) from None
        except importing.InvalidMapping as exc:
            raise Refused(str(exc), errors=[{"field": exc.field, "message": str(exc)}]) from None
        inline = lead_import.operation_id is None or lead_import.total_rows <= importing.INLINE_ROWS
        if lead_import.operation_id and inline:
            importing.run_inline(lead_import)
        answer = status.HTTP_201_CREATED if inline else status.HTTP_202_ACCEPTED
        return Response(ImportCreatedOutput(importing.import_summary(lead_import)).data, status=answer)


class LeadImportDetailApi(APIView):
    @extend_schema(responses=ImportOutput, summary="An import's status, counts and rejected rows")
    def get(self, request, import_id):
        lead_import = get_object_or_404(_imports_for(request.user), pk=import_id)
        return Response(ImportOutput(importing.import_summary(lead_import)).data)


class LeadImportErrorsApi(APIView):
    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The rejected rows")},
        summary="The rejected rows of an import as CSV, with a reason column",
    )
    def get(self, request, import_id):
        lead_import = get_object_or_404(_imports_for(request.user), pk=import_id)
        handle = io.StringIO()
        importing.write_error_file(lead_import, handle)
        response = HttpResponse(handle.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{lead_import.pk}-errors.csv"'
        return response
