"""The page on which an analyst records an SPC rebase of a body's metric (GET form, POST)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.scope import request_user, require
from metrics.calculation.rebases import REASON_MAX, RECORD_REBASE, rebases_of
from metrics.results.rebasing import rebase_record, rebase_subject
from oversight.errors import InputRejected


class RebaseForm(forms.Form):
    starts = forms.ChoiceField(
        label="From which quarter did the process change?",
        help_text="The new segment starts at this quarter's first point; its limits are worked "
        "out from its own points, and no rule spans the break.",
        error_messages={"required": "Choose the quarter the new process starts from."},
    )
    reason = forms.CharField(
        label="Why did the process change?",
        help_text="For example a new pathway, a merger, a change of definition. Kept with the "
        "rebase for everyone who reads the chart.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=REASON_MAX,
        error_messages={"required": "Say why the process changed."},
    )

    def __init__(self, *args: object, quarters: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        starts = self.fields["starts"]
        assert isinstance(starts, forms.ChoiceField)
        starts.choices = [("", "Choose a quarter"), *((q, q) for q in quarters)]


@login_required
@require_http_methods(["GET", "POST"])
def rebase_new(request: HttpRequest, code: str, metric_code: str) -> HttpResponse:
    user = request_user(request)
    subject = rebase_subject(user=user, ods_code=code, metric_code=metric_code)
    require(user, RECORD_REBASE, subject.organisation, "record an SPC rebase for it")
    form = RebaseForm(request.POST or None, quarters=[q.period.label for q in subject.quarters])
    if request.method == "POST" and form.is_valid():
        try:
            rebase = rebase_record(
                user=user,
                subject=subject,
                starts=form.cleaned_data["starts"],
                reason=form.cleaned_data["reason"],
            )
        except InputRejected as error:
            for field, texts in error.problems.items():
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        else:
            messages.success(
                request,
                f"Rebase from {rebase.starts.label} recorded: {len(rebase.requested_runs)} "
                "quarter(s) are being recalculated; the chart shows the new limits once done.",
            )
            return redirect(
                "organisation-metric",
                code=subject.organisation.ods_code,
                metric_code=subject.metric.code,
            )
    organisation, metric = subject.organisation, subject.metric
    return render(
        request,
        "metrics/results/rebase_form.html",
        {
            "form": form,
            "organisation": organisation,
            "metric": metric,
            "rebases": rebases_of(organisation, metric),
            "breadcrumbs": [
                ("Organisations", "/organisations/"),
                (organisation.name, f"/organisations/{organisation.ods_code}/"),
                ("Profile", f"/organisations/{organisation.ods_code}/profile/"),
                (metric.code, f"/organisations/{organisation.ods_code}/metrics/{metric.code}/"),
            ],
        },
    )
