"""Forms of the lead operation builder and the message template pages."""

import csv
import io
import zipfile
import zoneinfo
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone

from accounts import policy
from accounts.models import Team
from agents.models import Agent
from leads import exporting, messaging
from leads.models import Channel, Lead, MessageTemplate, Stage, Timeline
from operations.registry import get_type
from web.list_filters import stored_filters

OPERATION_CHOICES = [
    ("score", "Score"),
    ("message", "Send message"),
    ("add_tags", "Add tags"),
    ("remove_tags", "Remove tags"),
    ("change_stage", "Change stage"),
    ("assign", "Assign"),
    ("export", "Export"),
]
SELECTION_METHODS = [
    ("ids", "Paste lead IDs"),
    ("filter", "Filter criteria"),
    ("file", "Upload a CSV/XLSX of IDs or emails"),
    ("list", "From the leads list"),
]
MAX_UPLOAD_ROWS = 100_000
# A spreadsheet of IDs deflates about 10:1; one packed far tighter, or unpacking to more than
# MAX_UNPACKED_FACTOR times the upload limit, is a zip bomb and is not opened.
MAX_INFLATE_RATIO = 100
MAX_UNPACKED_FACTOR = 10


# --- Parameter forms, one per type: params() gives the type's raw parameters ------------


class ScoreForm(forms.Form):
    budget = forms.DecimalField(
        required=False, min_value=0, max_digits=12, decimal_places=2, help_text="Assumed for leads without a budget"
    )
    timeline = forms.ChoiceField(
        required=False, choices=[("", "Keep unknown"), *Timeline.choices], help_text="Assumed when unknown"
    )

    def params(self) -> dict:
        data = self.cleaned_data
        return {"budget": str(data["budget"]) if data.get("budget") is not None else None, "timeline": data["timeline"]}


class MessageForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices)
    template = forms.ModelChoiceField(
        queryset=MessageTemplate.objects.none(), required=False, empty_label="Ad-hoc text"
    )
    subject = forms.CharField(required=False, max_length=200, help_text="Email only")
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Placeholders: " + ", ".join("{" + p + "}" for p in messaging.PLACEHOLDERS),
    )

    def __init__(self, *args, location, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = MessageTemplate.objects.filter(location=location)

    def params(self) -> dict:
        data = self.cleaned_data
        params = {"channel": data["channel"], "subject": data["subject"], "body": data["body"]}
        if data.get("template"):
            params["template_id"] = data["template"].pk
        return params


class TagsForm(forms.Form):
    tags = forms.CharField(max_length=1000, help_text="Comma-separated; new tags are created")

    def params(self) -> dict:
        return {"tags": [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]}


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices)
    reason = forms.CharField(required=False, max_length=500)

    def params(self) -> dict:
        return {"stage": self.cleaned_data["stage"], "reason": self.cleaned_data["reason"]}


class AssignForm(forms.Form):
    assign_to = forms.ChoiceField(choices=[("agent", "An agent"), ("team", "A team")], widget=forms.RadioSelect)
    agent = forms.ModelChoiceField(queryset=Agent.objects.none(), required=False, empty_label="Nobody (unassign)")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="No team")
    reason = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, location, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = Agent.objects.filter(location=location).select_related("user")
        self.fields["team"].queryset = Team.objects.filter(location=location)

    def params(self) -> dict:
        data = self.cleaned_data
        if data["assign_to"] == "agent":
            return {"agent_id": data["agent"].pk if data["agent"] else None, "reason": data["reason"]}
        return {"team_id": data["team"].pk if data["team"] else None, "reason": data["reason"]}


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=exporting.FORMATS)
    fields = forms.MultipleChoiceField(
        choices=[(name, name.replace("_", " ")) for name in exporting.FIELDS],
        initial=list(exporting.DEFAULT_FIELDS),
        widget=forms.CheckboxSelectMultiple,
    )

    def params(self) -> dict:
        return {"format": self.cleaned_data["format"], "fields": self.cleaned_data["fields"]}


PARAM_FORMS = {
    "score": ScoreForm,
    "message": MessageForm,
    "add_tags": TagsForm,
    "remove_tags": TagsForm,
    "change_stage": StageForm,
    "assign": AssignForm,
    "export": ExportForm,
}


def param_form(operation_type: str, data=None, *, location):
    form_class = PARAM_FORMS[operation_type]
    kwargs = {"location": location} if form_class in (MessageForm, AssignForm) else {}
    return form_class(data, prefix="p", **kwargs)


# --- Selection --------------------------------------------------------------------------


@dataclass
class Selection:
    """What the builder selected: ids, or a filter (JSON-safe), plus what could not be matched."""

    ids: list[int] | None = None
    filters: dict | None = None
    unknown: list[str] = field(default_factory=list)
    description: str = ""


def allowed_operation_choices(user, location) -> list[tuple[str, str]]:
    """The builder's operation types this user may start here (the policy table decides)."""
    return [
        (key, label)
        for key, label in OPERATION_CHOICES
        if policy.allows(user, get_type("leads", key).create_action, location)
    ]


class BuilderForm(forms.Form):
    operation_type = forms.ChoiceField(choices=OPERATION_CHOICES)
    method = forms.ChoiceField(choices=SELECTION_METHODS, initial="ids", widget=forms.RadioSelect)
    pasted_ids = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}), label="Lead IDs")
    upload = forms.FileField(required=False, label="CSV or XLSX file")
    filter_query = forms.CharField(required=False, widget=forms.HiddenInput)
    ids = forms.CharField(required=False, widget=forms.HiddenInput)
    select_all = forms.BooleanField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(required=False, max_length=200)
    scheduled_for = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="In the location's time zone",
    )

    def __init__(self, *args, location, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.location = location
        self.fields["operation_type"].choices = allowed_operation_choices(user, location)

    def clean_scheduled_for(self):
        """The datetime-local value is wall time in the location's time zone."""
        value = self.cleaned_data.get("scheduled_for")
        if value is None:
            return None
        zone = zoneinfo.ZoneInfo(self.location.timezone or "UTC")
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return naive.replace(tzinfo=zone)

    def filter_form(self, data=None):
        from leads.forms import LeadFilterForm

        return LeadFilterForm(data, location=self.location, prefix="f" if data is None else None)

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
            return self._resolve_tokens(self.cleaned_data["ids"].replace(",", " ").split(), "checked leads")
        from leads.forms import LeadFilterForm

        if method == "list":
            form = LeadFilterForm(QueryDict(self.cleaned_data["filter_query"]), location=self.location)
        else:
            form = LeadFilterForm(data, location=self.location, prefix="f")
        if not form.is_valid():
            raise ValidationError(
                "The filter is not valid: " + "; ".join(e for errs in form.errors.values() for e in errs)
            )
        return Selection(filters=stored_filters(form.cleaned_data), description="all leads matching the filter")

    def _resolve_tokens(self, tokens: list[str], source: str) -> Selection:
        """IDs and emails → lead ids of this location; the rest is reported as unknown."""
        tokens = [t.strip().strip('"').strip(",;") for t in tokens]
        tokens = [t for t in tokens if t]
        if not tokens:
            raise ValidationError(f"No lead IDs or emails in the {source}.")
        if len(tokens) > MAX_UPLOAD_ROWS:
            raise ValidationError(f"At most {MAX_UPLOAD_ROWS:,} IDs or emails at a time.")
        numbers = {t for t in tokens if t.isdigit() and len(t) < 19}
        emails = {t.lower() for t in tokens if "@" in t}
        leads = Lead.objects.filter(location=self.location)
        found_ids = set(leads.filter(pk__in=[int(n) for n in numbers]).values_list("pk", flat=True))
        by_email: dict[str, list[int]] = {}
        if emails:
            for pk, email in leads.filter(email__in=list(emails)).values_list("pk", "email"):
                by_email.setdefault(email.lower(), []).append(pk)
        ids: list[int] = []
        unknown: list[str] = []
        for token in tokens:
            if token in numbers and int(token) in found_ids:
                ids.append(int(token))
            elif token.lower() in by_email:
                ids.extend(by_email[token.lower()])
            else:
                unknown.append(token)
        ids = list(dict.fromkeys(ids))
        if not ids:
            raise ValidationError(f"None of the {len(tokens):,} IDs or emails in the {source} is a lead here.")
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


class MessageTemplateForm(forms.ModelForm):
    """Saving validates the placeholders: an unknown one is a form error."""

    class Meta:
        model = MessageTemplate
        fields = ["name", "category", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"body": "Placeholders: " + ", ".join("{" + p + "}" for p in messaging.PLACEHOLDERS)}

    def __init__(self, *args, location, **kwargs):
        super().__init__(*args, **kwargs)
        self.location = location
        self.instance.location = location

    def _check(self, name):
        value = self.cleaned_data.get(name, "")
        try:
            messaging.validate(value)
        except messaging.TemplateError as exc:
            raise ValidationError(str(exc)) from None
        return value

    def clean_body(self):
        return self._check("body")

    def clean_subject(self):
        return self._check("subject")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = MessageTemplate.objects.filter(location=self.location, name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("A template with this name exists already.")
        return name
