from __future__ import annotations

from django import forms

from oversight.models import OrganisationKind, Sector


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label="Name or ODS code", required=False, max_length=100)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "All kinds"), *OrganisationKind.choices]
    )
    sector = forms.ChoiceField(
        label="Trust sector", required=False, choices=[("", "All sectors"), *Sector.choices]
    )


class SectorForm(forms.Form):
    """The sector of one trust (the change: ``accounts.registry.organisation_sector_set``)."""

    sector = forms.ChoiceField(
        label="Sector",
        choices=[("", "---------"), *Sector.choices],
        help_text="Trusts are compared with trusts of the same sector.",
    )
