"""Forms of the catalogue and periods pages. The rules live in metrics.catalogue_rows and
metrics.periods: these forms only collect text, so a form and a CSV row are checked alike."""

from __future__ import annotations

from typing import Any

from django import forms

from metrics.catalogue.editions import EDITIONS
from metrics.catalogue.loading import metric_row
from metrics.catalogue.periods import PeriodLabelError, parse_label
from metrics.catalogue.rows import APPLICABILITY_LABELS, EDITABLE_COLUMNS
from metrics.engine.kinds import (
    Frequency,
    Polarity,
    QuarterBasis,
    RollupMethod,
    ValueType,
    choices,
)
from metrics.models.catalogue import FrameworkEdition, Metric

MAX_CATALOGUE_BYTES = 1_000_000  # a catalogue of ~100 metrics is ~30 KB


def _number(label: str, help_text: str = "") -> forms.CharField:
    # Text, not DecimalField: the catalogue's own rule gives the message, as for a CSV cell.
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
    )


class MetricForm(forms.Form):
    """Every column of a catalogue row except the code (a metric's identity)."""

    name = forms.CharField(label="Name", required=False)
    theme = forms.ChoiceField(label="Theme or domain", required=False)
    applies_to = forms.MultipleChoiceField(
        label="Applies to",
        required=False,
        choices=[(w, label[0].upper() + label[1:]) for w, label in APPLICABILITY_LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    polarity = forms.ChoiceField(
        label="Polarity", required=False, choices=choices(Polarity), widget=forms.RadioSelect
    )
    unit = forms.CharField(label="Unit", required=False, help_text="For example, %, count or ratio")
    value_type = forms.ChoiceField(label="Value type", required=False, choices=choices(ValueType))
    frequency = forms.ChoiceField(
        label="Frequency", required=False, choices=choices(Frequency), widget=forms.RadioSelect
    )
    quarter_basis = forms.ChoiceField(
        label="Quarter basis",
        required=False,
        choices=[("", "None (quarterly metric)"), *choices(QuarterBasis)],
        help_text="For a monthly metric, the one value per quarter that quartiles and scores use",
    )
    valid_min = _number("Lowest valid value", "Leave blank for no lower limit")
    valid_max = _number("Highest valid value", "Leave blank for no upper limit")
    standard = _number("Standard", "Meeting it scores best (1.00); leave blank if none")
    floor = _number("Floor", "Failing it scores worst (4.00); leave blank if none")
    score_map = forms.CharField(
        label="Score map",
        required=False,
        help_text="Bespoke scores, for example 1=1.00;2=2.00 or ..5=1.00;5..=4.00",
    )
    weight = forms.CharField(
        label="Weight",
        required=False,
        help_text="1 unless the framework weighs the metric otherwise; a fraction such as 1/3 "
        "is kept exactly",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    scored = forms.ChoiceField(
        label="Scored or contextual",
        required=False,
        choices=[("yes", "Scored"), ("no", "Contextual (shown, not scored)")],
        widget=forms.RadioSelect,
    )
    definition = forms.CharField(
        label="Definition", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    source = forms.CharField(label="Source", required=False)
    rollup = forms.ChoiceField(
        label="System roll-up",
        required=False,
        choices=[("", "Not rolled up"), *choices(RollupMethod)],
        help_text="How an ICS's value is derived from its organisations' accepted values",
    )
    rollup_per = _number(
        "Roll-up base", "A ratio's multiplier, e.g. 1000 for a rate per 1,000; blank: 100 for a %"
    )

    def __init__(self, *args: Any, metric: Metric, **kwargs: Any) -> None:
        row = metric_row(metric)
        kwargs.setdefault("initial", {**row, "applies_to": row["applies_to"].split()})
        super().__init__(*args, **kwargs)
        theme_field = self.fields["theme"]
        assert isinstance(theme_field, forms.ChoiceField)
        theme_field.choices = [(t.slug, t.name) for t in metric.edition.themes.all()]

    def changes(self) -> dict[str, object]:
        """The submitted columns, for metrics.catalogue.metric_update."""
        return {column: self.cleaned_data[column] for column in EDITABLE_COLUMNS}


class CatalogueUploadForm(forms.Form):
    edition = forms.ChoiceField(label="Framework edition")
    file = forms.FileField(
        label="Catalogue CSV file",
        help_text="In the format of the catalogue download. Nothing changes unless every row "
        "is right.",
        error_messages={"required": "Select a catalogue CSV file.", "empty": "The file is empty."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = {code: spec.name for code, spec in EDITIONS.items()}
        names.update(FrameworkEdition.objects.values_list("code", "name"))
        edition_field = self.fields["edition"]
        assert isinstance(edition_field, forms.ChoiceField)
        edition_field.choices = [(code, f"{name} ({code})") for code, name in sorted(names.items())]

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CATALOGUE_BYTES:
            raise forms.ValidationError("The file must be smaller than 1 MB.")
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file must be a CSV file saved as UTF-8 text (in Excel: CSV UTF-8)."
            ) from None


class PeriodsCreateForm(forms.Form):
    year = forms.CharField(
        label="Financial year",
        help_text="For example, 2024-25. Its four quarters get the default windows.",
        error_messages={"required": "Enter a financial year, like 2024-25."},
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )

    def clean_year(self) -> int:
        text = self.cleaned_data["year"]
        try:
            year, quarter = parse_label(text)
        except PeriodLabelError as error:
            raise forms.ValidationError(str(error)) from None
        if quarter is not None:
            raise forms.ValidationError("Give a whole financial year, like 2024-25, not a quarter.")
        return year
