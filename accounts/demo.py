"""Demo users: one per role, all with the shared demo password `oversight-demo`.

Who holds what (scopes are chosen from whatever registry the demo loaded, the same way each
time: North West (Y62) and North East and Yorkshire (Y63) when present, else the first two
regions by code):

- national admin and national analyst: all of England;
- regional lead and regional analyst: the first region; a second regional lead: the second;
  each region a deputy regional lead too, the second pair of eyes that confirms decisions;
- ICS lead: the first ICS of the first region (by code) that has an open acute trust;
- organisation submitter and approver: that ICS's first open acute trust;
- SID: another open trust of that ICS (or of the region);
- read-only observer: all of England.

Safe to re-run: users, roles and permissions already there are left as they are, and a
password is only set on a user who has none (so one changed by hand is not overwritten).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import RoleAssignment, User
from accounts.roles import Role
from accounts.scope import Node, role_grant
from oversight.models import Organisation, OrganisationKind, Region, Sector, System

DEMO_PASSWORD = "oversight-demo"  # noqa: S105 - published on purpose: it is the demo's login
PREFERRED_REGIONS = ("Y62", "Y63")


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: str
    scope: str  # which of the nodes `demo_scopes` picks


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin@oversight.example", "Nadia Admin", Role.NATIONAL_ADMIN, "national"),
    DemoUser("analyst@oversight.example", "Nasir Analyst", Role.NATIONAL_ANALYST, "national"),
    DemoUser("region.lead@oversight.example", "Rhona Lead", Role.REGIONAL_LEAD, "region"),
    DemoUser("region.analyst@oversight.example", "Reza Analyst", Role.REGIONAL_ANALYST, "region"),
    DemoUser("region.deputy@oversight.example", "Dev Deputy", Role.REGIONAL_LEAD, "region"),
    DemoUser("region2.lead@oversight.example", "Ruth Lead", Role.REGIONAL_LEAD, "region2"),
    DemoUser("region2.deputy@oversight.example", "Dana Deputy", Role.REGIONAL_LEAD, "region2"),
    DemoUser("ics.lead@oversight.example", "Imran Lead", Role.ICS_LEAD, "system"),
    DemoUser("submitter@oversight.example", "Sam Submitter", Role.ORGANISATION_SUBMITTER, "trust"),
    DemoUser("approver@oversight.example", "Alex Approver", Role.ORGANISATION_APPROVER, "trust"),
    DemoUser("sid@oversight.example", "Sadie Director", Role.SID, "sid_trust"),
    DemoUser("observer@oversight.example", "Olu Observer", Role.OBSERVER, "national"),
)


def _regions() -> tuple[Region, Region]:
    regions = list(Region.objects.order_by("ods_code"))
    if len(regions) < 2:
        raise RuntimeError("The demo users need a registry with at least two regions.")
    by_code = {r.ods_code: r for r in regions}
    if all(code in by_code for code in PREFERRED_REGIONS):
        first, second = (by_code[code] for code in PREFERRED_REGIONS)
        return first, second
    return regions[0], regions[1]


def demo_scopes() -> dict[str, Node | None]:
    """The scope node of each kind the demo users hold, picked deterministically."""
    region, region2 = _regions()
    open_trusts = Organisation.objects.filter(
        kind=OrganisationKind.TRUST, closed_on__isnull=True, region=region
    ).order_by("ods_code")
    acute = open_trusts.filter(sector=Sector.ACUTE)
    trust = acute.filter(system__isnull=False).first() or open_trusts.first()
    if trust is None or trust.system is None:
        raise RuntimeError(f"The demo users need an open trust in an ICS of {region.name}.")
    system: System = trust.system
    sid_trust = (
        open_trusts.filter(system=system).exclude(pk=trust.pk).first()
        or open_trusts.exclude(pk=trust.pk).first()
        or trust
    )
    return {
        "national": None,
        "region": region,
        "region2": region2,
        "system": system,
        "trust": trust,
        "sid_trust": sid_trust,
    }


@transaction.atomic
def create_users(*, ods_folder: Path | None, stdout: TextIO) -> None:
    """Demo step: one user per role (see the module docstring)."""
    scopes = demo_scopes()
    # One hash for all: hashing is deliberately slow and these users share a published password.
    password = make_password(DEMO_PASSWORD)
    created = 0
    for demo in DEMO_USERS:
        user, is_new = User.objects.get_or_create(
            email=demo.email, defaults={"full_name": demo.full_name, "password": password}
        )
        if not is_new and not user.has_usable_password():
            user.password = password
            user.save(update_fields=["password"])
        created += is_new
        role_grant(user=user, role=demo.role, node=scopes[demo.scope])
    stdout.write(f"Demo users: {created} created, {len(DEMO_USERS) - created} already there\n")


def print_logins(*, stdout: TextIO) -> None:
    """Demo report: the table of logins, one line per demo user and role."""
    emails = [d.email for d in DEMO_USERS]
    order = {email: i for i, email in enumerate(emails)}
    assignments = sorted(
        RoleAssignment.objects.filter(user__email__in=emails).select_related(
            "user", "region", "system", "organisation"
        ),
        key=lambda a: (order[a.user.email], a.pk),
    )
    rows = [("Role", "Email", "Password", "Scope")] + [
        (
            a.get_role_display(),
            a.user.email,
            DEMO_PASSWORD,
            a.scope_name if a.node is None else f"{a.scope_name} ({a.node.ods_code})",
        )
        for a in assignments
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    rule = tuple("-" * w for w in widths)
    stdout.write(f"\nDemo logins (password {DEMO_PASSWORD} for all):\n")
    for row in (rows[0], rule, *rows[1:]):
        line = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        stdout.write(f"  {line}\n")
