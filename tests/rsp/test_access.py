"""Who sees a case: its SID (not another SID), its region, its ICS lead, the body itself
without internal notes; everyone else gets the same answer as for a case that does not exist."""

from __future__ import annotations

import pytest

from oversight.errors import NotFound
from rsp.access import access_of, case_visible, cases_internal_visible, cases_visible
from rsp.models import Case
from rsp.notes import note_add
from tests.conftest import Cast, Registry
from tests.rsp.conftest import open_case

pytestmark = pytest.mark.django_db


def test_each_user_sees_exactly_the_cases_of_their_scope(
    rsp_case: Case, registry: Registry, cast: Cast, sid_b
):
    other = open_case(registry.trust_b1, lead=sid_b)
    body_a1 = open_case(registry.trust_a1, segment=3, lead=cast.lead_a)

    def seen(user) -> set[int]:
        return set(cases_visible(user).values_list("pk", flat=True))

    assert seen(cast.sid) == {rsp_case.pk}
    assert seen(sid_b) == {other.pk}
    assert seen(cast.lead_a) == seen(cast.analyst_a) == {rsp_case.pk, body_a1.pk}
    assert seen(cast.lead_b) == seen(cast.observer) == {other.pk}
    assert seen(cast.ics_lead) == {body_a1.pk}  # system A1 holds trust A1, not A3
    assert seen(cast.submitter) == seen(cast.approver) == {body_a1.pk}
    assert seen(cast.national) == {rsp_case.pk, other.pk, body_a1.pk}
    assert seen(cast.outsider) == set()
    for user in (sid_b, cast.lead_b, cast.outsider, cast.submitter):
        with pytest.raises(NotFound):
            case_visible(user, rsp_case.pk)
    with pytest.raises(NotFound):
        case_visible(cast.sid, "not-a-number")


def test_the_body_never_sees_internal_notes(registry: Registry, cast: Cast):
    case = open_case(registry.trust_a1, segment=3, lead=cast.lead_a)
    note_add(case=case, text="Board relations are strained", internal=True, user=cast.lead_a)
    assert case.pk in cases_internal_visible(cast.ics_lead).values_list("pk", flat=True)
    assert not cases_internal_visible(cast.submitter).filter(pk=case.pk).exists()
    body = access_of(cast.submitter, case)
    assert (body.see_internal, body.work, body.decide) == (False, False, False)
    lead = access_of(cast.lead_a, case)
    assert (lead.see_internal, lead.work, lead.decide) == (True, True, True)
    analyst = access_of(cast.analyst_a, case)
    assert (analyst.see_internal, analyst.work) == (True, False)
