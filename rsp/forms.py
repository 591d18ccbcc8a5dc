"""The forms of the case pages. They only read input: every rule is the operations' own, and
their refusals come back into these forms' errors (``segmentation.forms.add_domain_error``)."""

from __future__ import annotations

from typing import Any

from django import forms

from rsp.models import Comparator, CriterionStatus, DocumentKind, Rag, ReviewKind, Theme

RAG_CHOICES = [(Rag.RED, Rag.RED.label), (Rag.AMBER, Rag.AMBER.label), (Rag.GREEN, Rag.GREEN.label)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label: str, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), help_text=help_text)


def text(label: str, required: bool = False, help_text: str = "", rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class AppointForm(forms.Form):
    lead = forms.EmailField(
        label="Lead's email address", help_text="A System Improvement Director for RSP and PIP"
    )
    system_party = forms.CharField(label="Appointed for the system by", required=False)
    regional_party = forms.CharField(label="Appointed for the region by", required=False)
    national_party = forms.CharField(label="Appointed for the national team by", required=False)
    reports_to = forms.CharField(label="Reports to (the system lead)", required=False)


class DetailsForm(forms.Form):
    indicative_exit_on = date_field("Indicative exit date", required=False)
    cqc_recommended_entry = forms.BooleanField(
        label="Entry was on CQC's recommendation", required=False
    )
    reason = text("Why does this change?")


class StocktakeForm(forms.Form):
    held_on = date_field("Date of the stocktake")
    partners = text("Partners involved", help_text="One a line")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for theme in Theme:
            self.fields[f"cause_{theme.value}"] = text(
                f"Root causes: {theme.label}", required=False
            )
        self.fields["recommended_exit_criteria"] = text(
            "Recommended exit criteria", required=False, help_text="One a line"
        )
        self.fields["reason"] = text(
            "Why does it change?",
            required=False,
            help_text="Only when correcting a recorded stocktake",
        )

    def root_causes(self) -> dict[str, str]:
        return {theme.value: self.cleaned_data.get(f"cause_{theme.value}", "") for theme in Theme}


class CriterionForm(forms.Form):
    description = text("Exit criterion")
    metric = forms.ChoiceField(label="Measured by metric (optional)", required=False)
    comparator = forms.ChoiceField(
        label="Comparison", required=False, choices=[("", "—"), *Comparator.choices]
    )
    target = forms.FloatField(label="Target", required=False)
    at_entry = forms.BooleanField(label="Agreed at entry", required=False)
    reason = text("Why does it change?", required=False, help_text="Needed for a change")

    def __init__(self, *args: Any, metrics: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", "Not measured"), *metrics]  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", choices=CriterionStatus.choices, widget=forms.RadioSelect
    )
    evidence = text("Evidence")


class WorkstreamForm(forms.Form):
    title = forms.CharField(label="Workstream", required=False)
    lead_name = forms.CharField(label="Workstream lead", required=False)


class ActionForm(forms.Form):
    title = forms.CharField(label="Action", required=False, max_length=300)
    owner = forms.EmailField(label="Owner's email address")
    starts_on = date_field("Start date", required=False, help_text="Today if blank")
    due_on = date_field("Due date")
    description = text("Description", required=False)


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label="Progress (per cent done)", min_value=0, max_value=100)
    note = text("What was done")


class NoteForm(forms.Form):
    note = text("Note")


class ReasonForm(forms.Form):
    reason = text("Reason")


class RagForm(forms.Form):
    rag = forms.ChoiceField(
        label="RAG",
        choices=[("", "Use the computed RAG"), *RAG_CHOICES],
        required=False,
        widget=forms.RadioSelect,
    )
    reason = text("Why")


class MilestoneForm(forms.Form):
    title = forms.CharField(label="Milestone", required=False)
    due_on = date_field("Due date")


class AchieveForm(forms.Form):
    achieved_on = date_field("Achieved on")


class ReviewForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of review", choices=ReviewKind.choices, widget=forms.RadioSelect
    )
    held_on = date_field("Date of the meeting")
    attendees = text("Attendees", help_text="One a line")
    summary = text("Summary", rows=5)
    decisions = text("Decisions", required=False)
    overall_rag = forms.ChoiceField(
        label="Overall RAG", choices=RAG_CHOICES, widget=forms.RadioSelect
    )
    next_review_on = date_field("Next review", required=False)


class CaseNoteForm(forms.Form):
    text = text("Note", rows=4)
    shared = forms.BooleanField(
        label="Share with the body",
        required=False,
        help_text="Notes are internal-only unless shared",
    )


class DocumentForm(forms.Form):
    file = forms.FileField(
        label="File", help_text="PDF, PNG, JPEG, CSV, text or .xlsx; at most 10 MiB"
    )
    kind = forms.ChoiceField(label="What is it?", choices=DocumentKind.choices)
    title = forms.CharField(label="Title", required=False)
    internal = forms.BooleanField(label="Internal-only (never shown to the body)", required=False)


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label="Evidence file", help_text="PDF, PNG, JPEG, CSV, text or .xlsx; at most 10 MiB"
    )
    title = forms.CharField(label="Title", required=False)


class ExitForm(forms.Form):
    exited_on = date_field("Exit date")
    new_segment = forms.TypedChoiceField(
        label="New segment", coerce=int, choices=[(n, f"Segment {n}") for n in (1, 2, 3, 4)]
    )
    decision = text("Exit decision", rows=5)


class SystemCaseForm(forms.Form):
    system = forms.ChoiceField(label="Integrated care system")
    programme = forms.ChoiceField(label="Programme")
    entered_on = date_field("Entry date")
    cqc_recommended_entry = forms.BooleanField(
        label="Entry is on CQC's recommendation", required=False
    )
    reason = text("Why the whole system enters the programme")

    def __init__(
        self,
        *args: Any,
        systems: list[tuple[str, str]],
        programmes: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["system"].choices = [("", "Choose a system"), *systems]  # type: ignore[attr-defined]
        self.fields["programme"].choices = programmes  # type: ignore[attr-defined]


class ReplanForm(forms.Form):
    due_on = date_field("New due date")
    reason = text("Why the due date moves")
