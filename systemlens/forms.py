"""The system lens's forms: they read and check what was typed; the operations hold the rules
(their InputRejected problems come back onto the form's fields, see ``views.form_error``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from accounts.models import User
from metrics.engine.kinds import Polarity, choices
from metrics.models.catalogue import FrameworkEdition, Metric, Period
from oversight.models import Organisation, System
from systemlens.models import ASSESSMENT, ConcernOutcome, ReviewRating

PRIORITY_ROWS = 3
AGENDA_ROWS = 3
ACTION_ROWS = 2
POLARITIES = choices(Polarity)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, help_text=help_text, widget=forms.Textarea({"rows": 3})
    )


class AgreementVersionForm(forms.Form):
    delivery_arrangements = _text("Delivery arrangements")
    governance_arrangements = _text("Governance arrangements")
    places_and_collaboratives = _text("Roles of places and provider collaboratives", required=False)
    agreed_on = forms.DateField(label="Date agreed", widget=DATE)
    agreed_by = forms.CharField(
        label="Agreed by", max_length=300, help_text="Who agreed it for the ICS and the region"
    )
    change_note = _text("What changed from the last version", required=False)

    def __init__(self, *args: Any, metrics: QuerySet[Metric], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, PRIORITY_ROWS + 1):
            self.fields[f"priority_{n}_title"] = forms.CharField(
                label=f"Local priority {n}", required=False, max_length=300
            )
            self.fields[f"priority_{n}_owner"] = forms.CharField(
                label=f"Owner of priority {n}", required=False, max_length=200
            )
            self.fields[f"priority_{n}_metric"] = forms.ModelChoiceField(
                label=f"Metric of priority {n}",
                queryset=metrics,
                required=False,
                empty_label="No metric",
            )
            self.fields[f"priority_{n}_target"] = forms.FloatField(
                label=f"Target of priority {n}", required=False
            )

    def priority_rows(self) -> list[list[forms.BoundField]]:
        names = ("title", "owner", "metric", "target")
        return [
            [self[f"priority_{n}_{name}"] for name in names] for n in range(1, PRIORITY_ROWS + 1)
        ]


class ReviewForm(forms.Form):
    period = forms.ModelChoiceField(label="Quarter reviewed", queryset=Period.objects.none())
    held_on = forms.DateField(label="Date of the review", widget=DATE)
    rating = forms.ChoiceField(
        label="Is the agreement on track?", choices=ReviewRating.choices, widget=forms.RadioSelect
    )
    outcome = _text("Outcome")
    next_steps = _text("Next steps")

    def __init__(self, *args: Any, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["period"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Period.objects.filter(year=year).order_by("quarter")


class MeetingForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Meeting with", queryset=Organisation.objects.none(), empty_label=None
    )
    place = forms.CharField(
        label="Place (if the meeting was with a place)", required=False, max_length=200
    )
    held_on = forms.DateField(label="Date of the meeting", widget=DATE)
    attendees = _text("Attendees")
    notes = _text("Notes", required=False, help_text="Shared with the body")
    internal_notes = _text(
        "Internal notes",
        required=False,
        help_text="For the oversight team only: never shown to the body or its ICS lead",
    )

    def __init__(
        self,
        *args: Any,
        bodies: QuerySet[Organisation],
        owners: QuerySet[User],
        links: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        body_field = self.fields["organisation"]
        assert isinstance(body_field, forms.ModelChoiceField)
        body_field.queryset = bodies
        for n in range(1, AGENDA_ROWS + 1):
            self.fields[f"agenda_{n}_title"] = forms.CharField(
                label=f"Agenda item {n}", required=False, max_length=300
            )
            self.fields[f"agenda_{n}_about"] = forms.ChoiceField(
                label=f"What item {n} discusses",
                required=False,
                choices=[("", "Nothing linked"), *links],
            )
        for n in range(1, ACTION_ROWS + 1):
            self.fields[f"action_{n}_description"] = forms.CharField(
                label=f"Action {n}", required=False, max_length=500
            )
            self.fields[f"action_{n}_owner"] = forms.ModelChoiceField(
                label=f"Owner of action {n}", queryset=owners, required=False
            )
            self.fields[f"action_{n}_due_on"] = forms.DateField(
                label=f"Action {n} due on", required=False, widget=DATE
            )

    def agenda_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"agenda_{n}_title"], self[f"agenda_{n}_about"]]
            for n in range(1, AGENDA_ROWS + 1)
        ]

    def action_rows(self) -> list[list[forms.BoundField]]:
        names = ("description", "owner", "due_on")
        return [[self[f"action_{n}_{name}"] for name in names] for n in range(1, ACTION_ROWS + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, ACTION_ROWS + 1):
            described = data.get(f"action_{n}_description")
            if described and not data.get(f"action_{n}_owner"):
                self.add_error(f"action_{n}_owner", f"Choose who owns action {n}.")
            if described and not data.get(f"action_{n}_due_on"):
                self.add_error(f"action_{n}_due_on", f"Give the date action {n} is due.")
        return data


class ConcernForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Concern about", queryset=Organisation.objects.none(), empty_label=None
    )
    title = forms.CharField(label="What is the concern?", max_length=200)

    def __init__(self, *args: Any, bodies: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = bodies


class AssessmentForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome", choices=ConcernOutcome.choices, widget=forms.RadioSelect
    )
    outcome_reason = _text("Reason for the outcome")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        questions = {name: _text(question) for name, question in ASSESSMENT.items()}
        self.fields = {**questions, **self.fields}


class AcrossForm(forms.Form):
    lead = forms.ModelChoiceField(label="Lead ICS", queryset=System.objects.order_by("name"))
    served = forms.ModelMultipleChoiceField(
        label="Other ICSs it serves",
        queryset=System.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class LocalMetricForm(forms.Form):
    edition = forms.ModelChoiceField(
        label="Framework edition", queryset=FrameworkEdition.objects.order_by("-code")
    )
    code = forms.CharField(label="Code", max_length=20, help_text="e.g. QE1-L1")
    name = forms.CharField(label="Name", max_length=300)
    unit = forms.CharField(label="Unit", max_length=80, help_text="e.g. %, count or score")
    polarity = forms.ChoiceField(
        label="Which direction is better?", choices=POLARITIES, widget=forms.RadioSelect
    )
