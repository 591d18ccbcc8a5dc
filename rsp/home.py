"""Support cases on the home page (accounts/home.py): a SID's and a lead's own cases and what
is overdue in them; for those who oversee bodies, the open cases in their scope."""

from __future__ import annotations

from django.db.models import Count, Q

from accounts.home import HomeContext, HomeSection, Status, Task, home_section
from rsp.access import cases_visible
from rsp.models import Action, ActionStatus, CaseState


@home_section(order=60)
def support_cases(context: HomeContext) -> HomeSection | None:
    user = context.user
    cases = cases_visible(user).filter(state=CaseState.OPEN)
    counts = cases.aggregate(
        total=Count("id"),
        mine=Count("id", filter=Q(lead=user)),
        unled=Count("id", filter=Q(lead__isnull=True)),
    )
    if not counts["total"]:
        return None
    open_actions = Action.objects.filter(workstream__case__in=cases).exclude(
        status=ActionStatus.CLOSED
    )
    actions = open_actions.aggregate(
        overdue=Count("id", filter=Q(due_on__lt=context.today)),
        owned=Count("id", filter=Q(owner=user)),
        to_close=Count("id", filter=Q(status=ActionStatus.CLOSURE_PROPOSED) & ~Q(owner=user)),
    )
    tasks = []
    if counts["mine"]:
        tasks.append(Task("Cases you lead", Status.count(counts["mine"], "open"), href="/cases/"))
    tasks.append(Task("Open cases you can see", Status.done(str(counts["total"])), href="/cases/"))
    if counts["unled"]:
        tasks.append(
            Task(
                "Cases without a lead",
                Status.to_do(f"{counts['unled']} to appoint"),
                href="/cases/",
            )
        )
    tasks.append(
        Task(
            "Overdue actions",
            Status.to_do(f"{actions['overdue']} overdue", "red")
            if actions["overdue"]
            else Status.done("None"),
            href="/cases/",
        )
    )
    if actions["owned"]:
        tasks.append(
            Task("Actions you own", Status.count(actions["owned"], "open"), href="/cases/")
        )
    if actions["to_close"]:
        tasks.append(
            Task("Closures proposed", Status.count(actions["to_close"], "to check"), href="/cases/")
        )
    return HomeSection(heading="Support cases", tasks=tasks)
