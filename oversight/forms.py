from __future__ import annotations

from django import forms

from oversight.models import Organisation, OrganisationKind, Sector


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label="Name or ODS code", required=False, max_length=100)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "All kinds"), *OrganisationKind.choices]
    )
    sector = forms.ChoiceField(
        label="Trust sector", required=False, choices=[("", "All sectors"), *Sector.choices]
    )


class SectorForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["sector"]
        help_texts = {"sector": "Trusts are compared with trusts of the same sector."}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["sector"].required = True
