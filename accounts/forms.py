from django import forms

from accounts.selectors import locations_for


class LocationSwitchForm(forms.Form):
    location = forms.ModelChoiceField(queryset=None)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["location"].queryset = locations_for(user)
