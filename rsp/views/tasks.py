"""The case file's parts as an NHS.UK task list: each part, a link to it, its status in words."""

from __future__ import annotations

from accounts.home import Status, Task
from rsp.selectors import CaseFile


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def case_tasks(file: CaseFile) -> list[Task]:
    case = file.case
    base = case.get_absolute_url()
    tasks: list[Task] = []
    lead = case.lead.get_full_name() if case.lead else ""
    tasks.append(
        Task(
            f"Lead ({case.programme.get_lead_kind_display()})",
            Status.done(lead) if lead else Status.to_do("Not appointed", "blue"),
            href=f"{base}appoint/" if file.may("appoint_lead") else "",
        )
    )
    stocktake = file.stocktake
    tasks.append(
        Task(
            "Diagnostic stocktake",
            Status.done(f"Completed {stocktake.held_on:%-d %b %Y}")
            if stocktake
            else Status.to_do("Not started", "grey"),
            href=f"{base}stocktake/",
        )
    )
    total, met = len(file.criteria), file.criteria_met
    tasks.append(
        Task(
            "Exit criteria",
            Status.done(f"All {total} met")
            if total and met == total
            else Status.to_do(f"{met} of {total} met" if total else "None agreed", "blue"),
            href=f"{base}criteria/",
        )
    )
    actions, overdue = file.actions, file.overdue
    open_actions = [a for a in actions if not a.action.is_closed]
    plan_status = (
        Status.to_do(f"{_plural(len(overdue), 'action')} overdue", "red")
        if overdue
        else Status.to_do(f"{_plural(len(open_actions), 'open action')}", "blue")
        if open_actions
        else Status.done(f"All {len(actions)} closed")
        if actions
        else Status.to_do("No actions yet", "grey")
    )
    tasks.append(
        Task(
            "Improvement plan and milestones",
            plan_status,
            href=f"{base}plan/",
            hint=f"Indicative exit {case.indicative_exit_on:%-d %B %Y}"
            if case.indicative_exit_on
            else "",
        )
    )
    last = file.reviews[0] if file.reviews else None
    tasks.append(
        Task(
            "Reviews",
            Status.done(f"Last {last.held_on:%-d %b %Y}: {last.get_overall_rag_display()}")
            if last
            else Status.to_do("None yet", "grey"),
            href=f"{base}reviews/",
        )
    )
    tasks.append(
        Task(
            "Documents and notes",
            Status.done(
                f"{_plural(len(file.documents), 'document')}, {_plural(len(file.notes), 'note')}"
            ),
            href=f"{base}documents/",
        )
    )
    if not case.is_open:
        exit_status = Status.done(case.get_state_display())
    elif file.exit_blockers:
        exit_status = Status.to_do("Cannot start yet", "grey")
    else:
        exit_status = Status.to_do("Ready to decide", "blue")
    tasks.append(
        Task(
            "Exit",
            exit_status,
            href=f"{base}exit/" if file.may("exit") else "",
            hint=" ".join(file.exit_blockers),
        )
    )
    return tasks
