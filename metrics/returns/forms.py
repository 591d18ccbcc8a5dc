"""Forms of the returns pages: choosing a quarter, uploading a file, and each review step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from metrics.models.catalogue import Period
from metrics.models.returns import Finding, ReturnState

# The returns list's state filter: a return's state, or where it stands for the chase list
# (completeness.py counts the same way: "not submitted" is no version yet).
NOT_SUBMITTED = "not_submitted"
TO_CHASE = "to_chase"
STATE_FILTERS = [
    ("", "Any state"),
    (NOT_SUBMITTED, "Not submitted"),
    (ReturnState.SUBMITTED, "Submitted, awaiting sign-off"),
    (ReturnState.SIGNED_OFF, "Signed off, awaiting regional review"),
    (ReturnState.ACCEPTED, "Accepted"),
    (ReturnState.RETURNED, "Sent back"),
    (TO_CHASE, "To chase: not submitted or sent back"),
]


class PeriodFilterForm(forms.Form):
    period = forms.ChoiceField(label="Quarter", required=False)
    state = forms.ChoiceField(label="State", required=False, choices=STATE_FILTERS)
    region = forms.ChoiceField(label="Region", required=False)

    def __init__(
        self,
        *args: Any,
        periods: Sequence[Period],
        regions: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["period"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(p.slug, p.label) for p in periods]
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        if len(regions) > 1:
            region.choices = [("", "Every region"), *regions]
        else:  # a user within one region has nothing to choose
            del self.fields["region"]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Return file",
        help_text=(
            "A CSV or XLSX file in the return format: one row per value, with columns "
            "organisation_code, metric_code, period_end, value, numerator, denominator, comment."
        ),
        error_messages={"required": "Select the return file to upload"},
        # An empty file is the reader's to refuse, with the message every other route gives.
        allow_empty_file=True,
    )

    @classmethod
    def refusing(cls, message: str) -> UploadForm:
        """The form with ``message`` against its file: a post refused before it was read."""
        form = cls(data={}, files=MultiValueDict())
        form.full_clean()
        form.errors.clear()
        form.add_error("file", message)
        return form


class ConfirmForm(forms.Form):
    """A form without fields for a one-button action (sign off, accept, submit a draft): it
    carries the refusal message of the action, shown in the error summary."""


class SignOffForm(forms.Form):
    """The approver's declaration, its label the one text ``review.sign_off_declaration``
    gives. Not required here: the sign-off itself refuses without it, on every route."""

    declaration = forms.BooleanField(required=False)

    def __init__(self, *args: Any, declaration: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["declaration"].label = declaration


class SubmitDraftForm(forms.Form):
    """Submitting a previewed draft; over a signed-off return, the uploader confirms that the
    new version cancels the sign-off (the upload itself refuses without it)."""

    cancel_sign_off = forms.BooleanField(
        required=False,
        label="I understand that submitting this version cancels the sign-off",
    )

    def __init__(self, *args: Any, cancelling: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not cancelling:  # nothing to confirm: the form has no field to link errors to
            del self.fields["cancel_sign_off"]

    def confirms_cancel(self) -> bool:
        return bool(self.cleaned_data.get("cancel_sign_off"))


class JustifyForm(forms.Form):
    """One text box per warning of the current version still to justify."""

    def __init__(self, *args: Any, warnings: Sequence[Finding], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warnings = list(warnings)
        for finding in self.warnings:
            # The message says where: "Row 12, column value: …", or names the metric.
            self.fields[self.field_name(finding)] = forms.CharField(
                label=finding.message,
                help_text="Say why this value is right as it is.",
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=finding.justification,
                error_messages={"required": "Enter why this value is right as it is"},
            )

    @staticmethod
    def field_name(finding: Finding) -> str:
        return f"finding_{finding.pk}"

    def justifications(self) -> dict[int, str]:
        return {f.pk: self.cleaned_data[self.field_name(f)] for f in self.warnings}


class SendBackForm(forms.Form):
    prefix = "send_back"
    reason = forms.CharField(
        label="Why are you sending this return back?",
        help_text="The body sees this reason and must upload a corrected version.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why you are sending the return back"},
    )


class ReopenForm(forms.Form):
    prefix = "reopen"
    reason = forms.CharField(
        label="Why are you reopening this return?",
        help_text="Recorded in the return's history.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why you are reopening the return"},
    )
    expires_on = forms.DateField(
        label="Reopen until",
        help_text="The body can upload until the end of this day, for example 31/01/2027.",
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": "Enter the date the reopening ends",
            "invalid": "Enter the date the reopening ends as a real date, like 31/01/2027",
        },
    )

    def clean_expires_on(self) -> date:
        expires_on: date = self.cleaned_data["expires_on"]
        if expires_on < timezone.localdate():
            raise forms.ValidationError("The date the reopening ends must be today or later")
        return expires_on
