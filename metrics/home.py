"""What needs each user in metrics this quarter: sections of the home page (accounts/home.py).

- the submitter's and approver's own return and its next step;
- the regional team's returns to accept and bodies to chase (national teams too);
- the ICS lead's system at a glance: each body's return and its concerns;
- the national team's completeness by region.

"This quarter" is the quarter the returns list opens on (`default_period`). Each section takes
a fixed number of queries, whatever the number of bodies.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, FilteredRelation, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.home import Figure, HomeContext, HomeSection, Status, Task, home_section
from accounts.roles import REVIEW_RETURN, Role, roles_with
from metrics.catalogue.editions import edition_for
from metrics.engine.kinds import FlagKind
from metrics.models.catalogue import FrameworkEdition, Period
from metrics.models.results import Flag
from metrics.models.returns import Return, ReturnState
from metrics.results.selectors import quarters_with_results
from metrics.returns.completeness import bodies_expected, completeness
from metrics.returns.forms import NOT_SUBMITTED, TO_CHASE
from metrics.returns.policy import next_actions_many
from metrics.returns.views.lists import default_period
from oversight.models import Organisation

# Flags that say something is going well: not concerns.
GOOD_NEWS = (FlagKind.TOP_QUARTILE, FlagKind.SPC_IMPROVEMENT)
# Those who accept and send back returns: the role policy's table says who (accounts.roles).
REVIEWERS = roles_with(REVIEW_RETURN)


@dataclass(frozen=True)
class Quarter:
    period: Period
    edition: FrameworkEdition


def this_quarter() -> Quarter | None:
    """The quarter the returns list opens on, if its framework edition is loaded."""
    period = default_period(list(Period.objects.order_by("-year", "-quarter")))
    if period is None:
        return None
    try:
        return Quarter(period, edition_for(period))
    except FrameworkEdition.DoesNotExist:
        return None


def returns_url(quarter: Quarter, **filters: str) -> str:
    return reverse("returns-list") + "?" + urlencode({"period": quarter.period.slug, **filters})


# --- the body's own return ---------------------------------------------------------------------

STATE_WORDS = {
    ReturnState.SUBMITTED: "Submitted",
    ReturnState.SIGNED_OFF: "Signed off",
    ReturnState.ACCEPTED: "Accepted",
    ReturnState.RETURNED: "Sent back",
}
WAITING_FOR = {
    ReturnState.SUBMITTED: "Next step: sign-off by the body's approver.",
    ReturnState.SIGNED_OFF: "Next step: review by the regional team.",
    ReturnState.ACCEPTED: "Accepted by the regional team: nothing more to do this quarter.",
    ReturnState.RETURNED: "Sent back: a corrected version is to be uploaded.",
}


def own_return_task(
    organisation: Organisation, quarter: Quarter, record: Return | None, actions: list
) -> Task:
    submitted = record is not None and record.current_version_id is not None
    state = record.state if record is not None and submitted else ""
    # Uploading again stays possible while the window is open, but it is the next step only for
    # a return not yet submitted or sent back.
    uploading_is_next = not state or state == ReturnState.RETURNED
    todo = [
        a
        for a in actions
        if a.allowed and a.action != "reopen" and (a.action != "upload" or uploading_is_next)
    ]
    if todo:
        hint = "Next step: " + "; ".join(a.label.lower() for a in todo) + "."
    elif state:
        hint = WAITING_FOR[ReturnState(state)]
    else:
        hint = "Next step: upload by the body's submitter."
    words = STATE_WORDS[ReturnState(state)] if state else "Not submitted"
    if state == ReturnState.ACCEPTED:
        status = Status.done(words)
    elif todo:
        status = Status.to_do(words, "red" if not state and quarter_is_late(quarter) else "blue")
    else:
        status = Status.to_do(words, "grey")
    return Task(
        label=f"{organisation.name}: {quarter.period.label} return",
        href=reverse(
            "return-detail",
            kwargs={"ods_code": organisation.ods_code, "period": quarter.period.slug},
        ),
        status=status,
        hint=hint,
    )


def quarter_is_late(quarter: Quarter) -> bool:
    return timezone.localdate() > quarter.period.due_on


@home_section(order=10)
def own_return(context: HomeContext) -> HomeSection | None:
    held = context.held(Role.ORGANISATION_SUBMITTER, Role.ORGANISATION_APPROVER)
    bodies = {a.organisation.pk: a.organisation for a in held if a.organisation is not None}
    quarter = this_quarter() if bodies else None
    if quarter is None:
        return None
    organisations = sorted(bodies.values(), key=lambda o: o.name)
    records = {
        r.organisation_id: r
        for r in Return.objects.filter(
            period=quarter.period, edition=quarter.edition, organisation__in=organisations
        )
        .select_related("current_version")
        .defer("current_version__file_content")
    }
    items = [(o, quarter.period, records.get(o.pk)) for o in organisations]
    actions = next_actions_many(items=items, user=context.user)
    return HomeSection(
        heading=f"Your {quarter.period.label} return",
        intro=f"Due by {quarter.period.due_on:%-d %B %Y}; the window closes on "
        f"{quarter.period.closes_on:%-d %B %Y}.",
        tasks=[
            own_return_task(o, quarter, r, a) for (o, _, r), a in zip(items, actions, strict=True)
        ],
    )


# --- reviewing the returns of a region (or of England) -----------------------------------------


@home_section(order=20)
def returns_to_review(context: HomeContext) -> HomeSection | None:
    quarter = this_quarter() if context.holds(*REVIEWERS) else None
    if quarter is None:
        return None
    report = completeness(user=context.user, period=quarter.period, edition=quarter.edition)
    totals = report.totals
    to_accept = totals.signed_off - totals.accepted
    to_chase = totals.missing + totals.sent_back
    awaiting_sign_off = totals.submitted - totals.signed_off - totals.sent_back
    chase_words = f"{totals.missing} not submitted, {totals.sent_back} sent back"
    if report.past_due and totals.missing:
        chase_words += f"; due {quarter.period.due_on:%-d %B}, now late"
    return HomeSection(
        heading=f"{quarter.period.label} returns to review",
        intro=f"{totals.accepted} of {totals.expected} bodies' returns accepted so far.",
        tasks=[
            Task(
                "Returns to accept or send back",
                Status.count(to_accept),
                returns_url(quarter, state=ReturnState.SIGNED_OFF),
                "Signed off by the body and waiting for your review.",
            ),
            Task(
                "Bodies to chase",
                Status.count(to_chase, "to chase"),
                returns_url(quarter, state=TO_CHASE),
                chase_words + ".",
            ),
            Task(
                "Returns awaiting the body's sign-off",
                Status(f"{max(awaiting_sign_off, 0)} waiting", ""),
                returns_url(quarter, state=ReturnState.SUBMITTED),
                "Nothing for you to do until they are signed off.",
            ),
            Task(
                "Completeness and the chase list",
                Status.done(f"{totals.accepted} of {totals.expected} accepted"),
                reverse("returns-completeness", kwargs={"period": quarter.period.slug}),
            ),
        ],
    )


@home_section(order=40)
def completeness_by_region(context: HomeContext) -> HomeSection | None:
    national = context.holds(Role.NATIONAL_ADMIN, Role.NATIONAL_ANALYST)
    quarter = this_quarter() if national else None
    if quarter is None:
        return None
    report = completeness(user=context.user, period=quarter.period, edition=quarter.edition)

    def percent(part: int, whole: int) -> str:
        return f"{part / whole:.0%}" if whole else "–"

    return HomeSection(
        heading=f"{quarter.period.label} completeness by region",
        columns=("Region", "Expected", "Submitted", "Accepted", "Not submitted", "Accepted %"),
        figures=[
            Figure(
                label=name,
                href=returns_url(quarter, region=code),
                values=(
                    str(counts.expected),
                    str(counts.submitted),
                    str(counts.accepted),
                    str(counts.missing),
                    percent(counts.accepted, counts.expected),
                ),
            )
            for code, name, counts in report.by_region
        ],
        tasks=[
            Task(
                "Returns not submitted in England",
                Status.count(report.totals.missing, "not submitted"),
                returns_url(quarter, state=NOT_SUBMITTED),
            )
        ],
    )


# --- a system at a glance ----------------------------------------------------------------------


@home_section(order=30)
def system_at_a_glance(context: HomeContext) -> HomeSection | None:
    systems = [a.system for a in context.held(Role.ICS_LEAD) if a.system is not None]
    quarter = this_quarter() if systems else None
    if quarter is None:
        return None
    # Concerns come from the latest quarter with published results (this quarter's come only
    # once its returns are accepted and recalculated).
    results = quarters_with_results()
    latest = results[0].period if results else quarter.period
    concerns = (
        Flag.objects.filter(
            organisation_id=OuterRef("pk"), run__current_for__isnull=False, period_id=latest.pk
        )
        .exclude(kind__in=GOOD_NEWS)
        .order_by()
        .values("organisation_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    bodies = (
        bodies_expected(user=context.user, period=quarter.period)
        .filter(system__in=systems)
        .annotate(
            this_return=FilteredRelation(
                "returns",
                condition=Q(returns__period=quarter.period, returns__edition=quarter.edition),
            ),
            return_state=F("this_return__state"),
            version=F("this_return__current_version_id"),
            concerns=Coalesce(Subquery(concerns), 0),
        )
        .order_by("name")
    )
    figures = [
        Figure(
            label=body.name,
            href=reverse("organisation-profile", kwargs={"code": body.ods_code}),
            values=(
                STATE_WORDS[ReturnState(body.return_state)] if body.version else "Not submitted",
                str(body.concerns),
            ),
        )
        for body in bodies
    ]
    accepted = sum(1 for f in figures if f.values[0] == "Accepted")
    missing = sum(1 for f in figures if f.values[0] == "Not submitted")
    names = ", ".join(s.name for s in systems)
    return HomeSection(
        heading=f"{names} at a glance",
        intro=f"{accepted} of {len(figures)} bodies' {quarter.period.label} returns accepted.",
        tasks=[
            Task(
                "Returns not submitted",
                Status.count(missing, "not submitted"),
                returns_url(quarter, state=NOT_SUBMITTED),
                f"Due by {quarter.period.due_on:%-d %B %Y}.",
            ),
            *(
                Task(
                    f"Bodies of {system.name} with concerns flagged in {latest.label}",
                    Status.count(
                        sum(1 for b in bodies if b.concerns and b.system_id == system.pk),
                        "with concerns",
                    ),
                    reverse("system-detail", kwargs={"code": system.ods_code}),
                )
                for system in systems
            ),
        ],
        columns=("Body", f"{quarter.period.label} return", f"Concerns flagged in {latest.label}"),
        figures=figures,
    )
