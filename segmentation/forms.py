"""The forms of the segmentation pages. They only read input: every rule (rationale required
when the segment differs, ICS judgement items, four eyes, locks) is the operations' own, and
their refusals come back into these forms' errors (``add_domain_error``)."""

from __future__ import annotations

from typing import Any

from django import forms

from oversight.errors import DomainError, InputRejected
from segmentation.decisions import Judgement
from segmentation.review import ReviewFilters, kind_choices

JUDGED = [("", "Not judged"), ("yes", "Yes"), ("no", "No")]


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Put an operation's refusal in the form: each problem on its field (or the form's top)."""
    if isinstance(error, InputRejected) and error.problems:
        for name, texts in error.problems.items():
            target = name if name in form.fields else None
            for text in texts:
                form.add_error(target, text)
        return
    form.add_error(None, error.message)


def set_choices(form: forms.Form, name: str, choices: list[tuple[Any, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class ReviewFilterForm(forms.Form):
    system = forms.ChoiceField(label="ICS", required=False)
    kind = forms.ChoiceField(label="Kind or sector", required=False)
    differs = forms.BooleanField(
        label="Only where the proposal differs from the current segment", required=False
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, systems: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "system", [("", "All ICSs"), *systems])
        set_choices(self, "kind", kind_choices())

    def filters(self) -> ReviewFilters:
        if not self.is_valid():
            return ReviewFilters()
        data = self.cleaned_data
        sort = data.get("sort") or "name"
        return ReviewFilters(
            system=data["system"],
            kind=data["kind"],
            differs=bool(data["differs"]),
            sort=sort.lstrip("-"),
            descending=sort.startswith("-"),
        )


class DecisionForm(forms.Form):
    segment = forms.TypedChoiceField(
        label="Decided segment", coerce=int, widget=forms.RadioSelect, choices=[]
    )
    rationale = forms.CharField(
        label="Rationale",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required when the decided segment differs from the proposed segment.",
    )
    capability = forms.CharField(
        label="Capability and capacity to improve",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    system_context = forms.CharField(
        label="System context", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    tackling_variation = forms.ChoiceField(
        label="Does the ICS tackle unwarranted variation?",
        required=False,
        choices=JUDGED,
        widget=forms.RadioSelect,
    )
    four_purposes = forms.ChoiceField(
        label="Does the ICS show capability against the four purposes?",
        required=False,
        choices=JUDGED,
        widget=forms.RadioSelect,
    )
    change_reason = forms.CharField(
        label="Why the published segment changes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, segments: range, ics: bool, published: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        set_choices(self, "segment", [(s, f"Segment {s}") for s in segments])
        if not ics:
            del self.fields["tackling_variation"]
            del self.fields["four_purposes"]
        if not published:
            del self.fields["change_reason"]

    def judgement(self) -> Judgement:
        data = self.cleaned_data

        def judged(name: str) -> bool | None:
            return {"yes": True, "no": False}.get(data.get(name) or "")

        return Judgement(
            rationale=data.get("rationale", ""),
            capability=data.get("capability", ""),
            system_context=data.get("system_context", ""),
            tackling_variation=judged("tackling_variation"),
            four_purposes=judged("four_purposes"),
            change_reason=data.get("change_reason", ""),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why is it sent back?", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class ConfirmForm(forms.Form):
    """No fields: a refusal of the confirmation is shown as the form's error."""


class ViewForm(forms.Form):
    text = forms.CharField(
        label="Your view", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    suggested_segment = forms.TypedChoiceField(
        label="Segment you would suggest (optional)",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[],
    )

    def __init__(self, *args: Any, segments: range, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "suggested_segment",
            [("", "No suggestion"), *((s, f"Segment {s}") for s in segments)],
        )


class PublishForm(forms.Form):
    accept_missing = forms.BooleanField(
        label="Publish without the bodies listed as missing a confirmed decision",
        required=False,
    )
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ViewsRequestForm(forms.Form):
    note = forms.CharField(
        label="Note to the ICS lead (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
