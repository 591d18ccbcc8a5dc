"""The home page: what needs the signed-in user now, as NHS.UK task lists, one per section.

Each app says what needs its users; the home page (`oversight.views.home`) asks them all and
knows none of them. An app adds a section without editing anyone else's code:

    # <app>/home.py — imported once by `home_sections` (Django's autodiscover_modules("home"))
    from accounts.home import HomeContext, HomeSection, Task, home_section
    from accounts.roles import Role

    @home_section(order=50)
    def decisions_to_make(context: HomeContext) -> HomeSection | None:
        if not context.holds(Role.REGIONAL_LEAD):
            return None                                   # nothing here for this user
        waiting = ...                                     # one aggregate query, in scope
        return HomeSection(
            heading="Segment decisions",
            tasks=[Task("Decisions to make", href=f"{url}?state=proposed",
                        status=Status.count(waiting))],
        )

The rules a section keeps:
- return None when nothing of it applies to the user (the page then leaves it out);
- scope what it counts exactly as the API does (`accounts.scope`), so no count says more
  than the user may see;
- a constant number of queries whatever the data size (aggregate in the query, never a
  query per row): the home page's query count is pinned by a test;
- a count is a link to the filtered list it counts (`Task.href`);
- `order` places it: 10s the user's own return, 20s reviewing returns, 30s a system or
  region at a glance, 40s national completeness, 50s decisions, 60s cases, 90s shortcuts.

A section that raises is not hidden: the error reaches the 500 page and the logs, as any bug.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from accounts.models import RoleAssignment, User
from accounts.roles import Level


@dataclass(frozen=True)
class Status:
    """A task's status: words always (never colour alone), on an NHS.UK tag when it needs
    doing (`colour` one of the tag modifiers: blue, grey, green, yellow, red, …)."""

    text: str
    colour: str = ""

    @classmethod
    def done(cls, text: str = "Completed") -> Status:
        return cls(text)

    @classmethod
    def to_do(cls, text: str, colour: str = "blue") -> Status:
        return cls(text, colour)

    @classmethod
    def count(cls, n: int, noun: str = "to do", nothing: str = "None") -> Status:
        """`3 to do` on a blue tag, or plain `None` when there is nothing to do."""
        return cls.to_do(f"{n} {noun}") if n else cls.done(nothing)


@dataclass(frozen=True)
class Task:
    """One row of a task list: what to do, a link to where it is done, and its status."""

    label: str
    status: Status
    href: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Figure:
    """A row of a section's summary table (e.g. a region's completeness): label, then values;
    `href` links the label to the filtered list behind the figures."""

    label: str
    values: tuple[str, ...]
    href: str = ""


@dataclass(frozen=True)
class HomeSection:
    heading: str
    tasks: list[Task] = field(default_factory=list)
    intro: str = ""
    # An optional table after the tasks: column headings (the first names the rows) and rows.
    columns: tuple[str, ...] = ()
    figures: list[Figure] = field(default_factory=list)

    @property
    def table(self) -> list[tuple[Figure, list[tuple[str, str]]]]:
        """Each figure with its values paired with their column headings."""
        return [(f, list(zip(self.columns[1:], f.values, strict=True))) for f in self.figures]


@dataclass(frozen=True)
class HomeContext:
    """What every section may need, fetched once: the user and their role assignments (with
    their scope nodes), and today's date."""

    user: User
    assignments: tuple[RoleAssignment, ...]
    today: date

    def holds(self, *roles: str) -> bool:
        return any(a.role in roles for a in self.assignments)

    def held(self, *roles: str) -> list[RoleAssignment]:
        return [a for a in self.assignments if a.role in roles]

    @property
    def national(self) -> bool:
        return any(a.level == Level.NATIONAL for a in self.assignments)


SectionFunction = Callable[[HomeContext], "HomeSection | None"]
SECTIONS: list[tuple[int, SectionFunction]] = []


def home_section(order: int) -> Callable[[SectionFunction], SectionFunction]:
    """Register a section function; `order` places its section on the page."""

    def register(function: SectionFunction) -> SectionFunction:
        if all(existing is not function for _, existing in SECTIONS):
            SECTIONS.append((order, function))
        return function

    return register


def home_context(user: User) -> HomeContext:
    assignments = RoleAssignment.objects.filter(user=user).select_related(
        "region", "system", "organisation"
    )
    return HomeContext(user=user, assignments=tuple(assignments), today=timezone.localdate())


def home_sections(user: User) -> list[HomeSection]:
    """Every registered section that has something for this user, in order."""
    autodiscover_modules("home")
    context = home_context(user)
    ordered = sorted(SECTIONS, key=lambda each: each[0])
    return [s for _, function in ordered if (s := function(context)) is not None]
