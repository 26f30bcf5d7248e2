"""The bulk flow's selection for any target: checked records, all N matching a filter, pasted IDs
or emails, or an uploaded CSV/XLSX file; and the form around it (type, description, schedule)."""

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict

from operations.forms import in_location_zone, scheduled_for_field, type_choices
from operations.registry import Target
from web.list_filters import stored_filters

MAX_UPLOAD_ROWS = 100_000
# A spreadsheet of IDs deflates about 10:1; one packed far tighter, or unpacking to more than
# MAX_UNPACKED_FACTOR times the upload limit, is a zip bomb and is not opened.
MAX_INFLATE_RATIO = 100
MAX_UNPACKED_FACTOR = 10


@dataclass
class Selection:
    """What the builder selected: ids, or a filter (JSON-safe), plus what could not be matched."""

    ids: list[int] | None = None
    filters: dict | None = None
    unknown: list[str] = field(default_factory=list)
    description: str = ""


class BuilderForm(forms.Form):
    """The bulk flow's form for one target: the type, how records are selected, when to run."""

    operation_type = forms.ChoiceField()
    method = forms.ChoiceField(initial="ids", widget=forms.RadioSelect)
    pasted_ids = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))
    upload = forms.FileField(required=False, label="CSV or XLSX file")
    filter_query = forms.CharField(required=False, widget=forms.HiddenInput)
    ids = forms.CharField(required=False, widget=forms.HiddenInput)
    select_all = forms.BooleanField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(required=False, max_length=200)
    filter_resolution = forms.ChoiceField(
        required=False,
        initial="now",
        choices=[
            ("now", "These records, as they match now (IDs frozen when scheduled)"),
            ("at_start", "Whatever matches the filter when it starts (the count may change)"),
        ],
        widget=forms.RadioSelect,
        label="A scheduled or draft filter selection acts on",
    )
    scheduled_for = scheduled_for_field()

    def __init__(self, *args, target: Target, location, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.target, self.location = target, location
        self.fields["operation_type"].choices = type_choices(target.key, user=user, location=location)
        self.fields["method"].choices = self.methods()
        self.fields["pasted_ids"].label = f"{target.singular.capitalize()} IDs"

    def methods(self) -> list[tuple[str, str]]:
        target, ids = self.target, "IDs or emails" if self.target.match_field else "IDs"
        methods = [("ids", f"Paste {target.singular} IDs")]
        if target.filter_form is not None:
            methods.append(("filter", "Filter criteria"))
        return [*methods, ("file", f"Upload a CSV/XLSX of {ids}"), ("list", f"From the {target.label.lower()} list")]

    @property
    def tokens(self) -> str:
        """What pasted or uploaded values may be: "IDs", or "IDs or emails"."""
        return f"IDs or {self.target.match_field}s" if self.target.match_field else "IDs"

    def clean_scheduled_for(self):
        return in_location_zone(self.cleaned_data.get("scheduled_for"), self.location)

    @property
    def resolve_at_start(self) -> bool:
        """The user chose "whatever matches when it starts" (meaningful for a filter selection only)."""
        return self.cleaned_data.get("filter_resolution") == "at_start"

    def selection(self, data) -> Selection:
        """Resolve the chosen method into ids or a filter; raise ValidationError when empty or invalid."""
        method = self.cleaned_data["method"]
        if method == "ids":
            return self._resolve_tokens(self.cleaned_data["pasted_ids"].split(), "pasted IDs")
        if method == "file":
            upload = self.cleaned_data.get("upload")
            if upload is None:
                raise ValidationError("Choose a CSV or XLSX file.")
            return self._resolve_tokens(_read_upload(upload), f"file {upload.name}")
        if method == "list" and not self.cleaned_data.get("select_all"):
            checked = self.cleaned_data["ids"].replace(",", " ").split()
            return self._resolve_tokens(checked, f"checked {self.target.label.lower()}")
        filter_form = self.target.filter_form
        if filter_form is None:
            raise ValidationError(f"{self.target.label} cannot be selected by a filter.")
        if method == "list":
            form = filter_form(QueryDict(self.cleaned_data["filter_query"]), location=self.location)
        else:
            form = filter_form(data, location=self.location, prefix="f")
        if not form.is_valid():
            raise ValidationError(
                "The filter is not valid: " + "; ".join(e for errs in form.errors.values() for e in errs)
            )
        plural = self.target.label.lower()
        return Selection(filters=stored_filters(form.cleaned_data), description=f"all {plural} matching the filter")

    def _resolve_tokens(self, tokens: list[str], source: str) -> Selection:
        """IDs (and the target's match field, e.g. emails) → record ids here; the rest is reported as unknown."""
        target, what = self.target, self.tokens
        tokens = [t.strip().strip('"').strip(",;") for t in tokens]
        tokens = [t for t in tokens if t]
        if not tokens:
            raise ValidationError(f"No {target.singular} {what} in the {source}.")
        if len(tokens) > MAX_UPLOAD_ROWS:
            raise ValidationError(f"At most {MAX_UPLOAD_ROWS:,} {what} at a time.")
        numbers = {t for t in tokens if t.isdigit() and len(t) < 19}
        records = target.records(self.location)
        found_ids = set(records.filter(pk__in=[int(n) for n in numbers]).values_list("pk", flat=True))
        by_match: dict[str, list[int]] = {}
        matched = {t.lower() for t in tokens if t not in numbers} if target.match_field else set()
        if matched:
            lookup = {f"{target.match_field}__in": list(matched)}
            for pk, value in records.filter(**lookup).values_list("pk", target.match_field):
                by_match.setdefault(str(value).lower(), []).append(pk)
        ids: list[int] = []
        unknown: list[str] = []
        for token in tokens:
            if token in numbers and int(token) in found_ids:
                ids.append(int(token))
            elif token.lower() in by_match:
                ids.extend(by_match[token.lower()])
            else:
                unknown.append(token)
        ids = list(dict.fromkeys(ids))
        if not ids:
            raise ValidationError(f"None of the {len(tokens):,} {what} in the {source} is a {target.singular} here.")
        return Selection(ids=ids, unknown=unknown, description=source)


def _read_upload(upload) -> list[str]:
    """The first non-empty cell of every row of a CSV or XLSX file."""
    limit = settings.MAX_UPLOAD_SIZE
    if upload.size > limit:
        raise ValidationError(f"The file is larger than {limit / (1024 * 1024):g} MB.")
    name = (upload.name or "").lower()
    if name.endswith((".xlsx", ".xlsm")):
        return _read_workbook(upload)
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if "\x00" in text:
        raise ValidationError("The file is not a CSV file (it holds binary data).")
    values = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            cell = next((c.strip() for c in row if c.strip()), None)
            if cell is not None:
                values.append(cell)
    except csv.Error as exc:
        raise ValidationError(f"Could not read the CSV file: {exc}.") from None
    return values


def _read_workbook(upload) -> list[str]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(upload) as archive:
            _check_unpacked_size(archive)
    except zipfile.BadZipFile as exc:
        raise ValidationError(f"Could not read the spreadsheet: {exc}") from None
    upload.seek(0)
    values = []
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
        try:
            for row in workbook.active.iter_rows(values_only=True):
                cell = next((c for c in row if c not in (None, "")), None)
                if cell is not None:
                    values.append(str(int(cell)) if isinstance(cell, float) and cell.is_integer() else str(cell))
                if len(values) > MAX_UPLOAD_ROWS:
                    break
        finally:
            workbook.close()
    except Exception as exc:
        raise ValidationError(f"Could not read the spreadsheet: {exc}") from None
    return values


def _check_unpacked_size(archive: zipfile.ZipFile) -> None:
    """Refuse a zip bomb from the sizes the archive declares, before anything is inflated
    (zipfile never inflates a part past its declared size)."""
    megabyte = 1024 * 1024
    parts = archive.infolist()
    too_big = sum(part.file_size for part in parts) > settings.MAX_UPLOAD_SIZE * MAX_UNPACKED_FACTOR
    if too_big or any(
        part.file_size > megabyte and part.file_size > MAX_INFLATE_RATIO * max(part.compress_size, 1) for part in parts
    ):
        raise ValidationError("The spreadsheet would unpack to far more than a spreadsheet of IDs; it was not read.")
