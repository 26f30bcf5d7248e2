"""Forms of the company's calling rules: a do-not-call number, an upload of numbers, the calling window."""

from django import forms

from campaigns.models import CallingSettings


class DoNotCallForm(forms.Form):
    phone = forms.CharField(max_length=40, help_text="E.164 (+14155550123) or as dialled in the company's region")
    reason = forms.CharField(max_length=500, required=False)


class DoNotCallUploadForm(forms.Form):
    file = forms.FileField(help_text="CSV, XLSX, XLS or TXT with a column of phone numbers")
    reason = forms.CharField(max_length=500, required=False)


class CallingSettingsForm(forms.ModelForm):
    """Validated by the model's clean(): the window ends after it starts, the region is known."""

    class Meta:
        model = CallingSettings
        fields = ["window_start", "window_end", "default_region"]
        widgets = {
            "window_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "window_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
