"""The reference policy of every URL of the app: which of the cast may reach each object, and
which action a write needs (plain Python; see tests/access/world.py for the words it uses).

An entry names the URL's arguments for one region's objects (`Side`), who gets past scope
(`see`: everyone else gets 404, the same as for an object that does not exist), the action a
write needs of those (`act`: those who see but lack it get 403 or 404, never a change), and
what a GET answers those who may (`get`: 200, or 405 for a URL that only takes writes).
`NONE` marks an argument naming nothing (an id no row has): 404 for everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.access.world import (
    EDITION,
    MAY,
    SCOPE,
    Body,
    Side,
    may,
    oversees,
    region_team,
    sees,
)

NONE = 999_999  # an id no row has
Args = Callable[[Side], dict[str, object]]
Audience = Callable[[str, Side], bool]


def everyone(member: str, side: Side) -> bool:
    return True


def nobody(member: str, side: Side) -> bool:
    return False


def with_role(member: str, side: Side) -> bool:
    return SCOPE[member] is not None


def sees_body(member: str, side: Side) -> bool:
    return sees(member, side.body)


def oversees_body(member: str, side: Side) -> bool:
    return oversees(member, side.body)


def in_region(member: str, side: Side) -> bool:
    return region_team(member, side.body)


def sees_system(member: str, side: Side) -> bool:
    return SCOPE[member] in {"england", side.body.region, side.body.system}


def case_body(side: Side) -> Body:
    organisation = side.case.organisation
    assert organisation.system is not None
    return Body(organisation.ods_code, organisation.system.ods_code, side.body.region)


def case_lead(member: str, side: Side) -> bool:
    return (member, side.body.region) in {("sid", "Y91"), ("sid_b", "Y92")}


def sees_case(member: str, side: Side) -> bool:
    """Those who oversee the case's body, its lead, the body's own users (not its SIDs)."""
    body = case_body(side)
    own = SCOPE[member] == body.ods and not member.startswith("sid")
    return oversees(member, body) or case_lead(member, side) or own


def sees_meeting(member: str, side: Side) -> bool:
    """Those who oversee the body, and those whose role is over the body itself."""
    return sees(member, side.body)


def action_owner(member: str, side: Side) -> bool:
    return member == {"Y91": "lead_a", "Y92": "lead_b"}[side.body.region]


def national_only(member: str, side: Side) -> bool:
    return SCOPE[member] == "england"


def oversees_any(member: str, side: Side) -> bool:
    """Holds a national, regional or ICS role (oversees some body)."""
    scope = SCOPE[member]
    return scope is not None and (scope == "england" or scope[0] in "YQ")


def reviewer(member: str, side: Side) -> bool:
    return "review" in MAY[member]


@dataclass(frozen=True)
class Entry:
    args: Args = field(default=lambda side: {})
    see: Audience = everyone
    act: str = ""  # the action a write needs, over the side's body; "" for reads only
    get: int = 200
    signed_in: bool = True  # False: answers the anonymous too


def may_act(entry: Entry, member: str, side: Side) -> bool:
    """Would the reference let `member` do the entry's write on this side's object?"""
    if not entry.see(member, side):
        return False
    if entry.act == "work_case":
        return case_lead(member, side) or may(member, "open_case", case_body(side))
    if entry.act in {"edit_catalogue", "edit_registry"}:
        return SCOPE[member] == "england" and may(member, entry.act, side.body)
    return may(member, entry.act, side.body) if entry.act else True


def ods(side: Side) -> dict[str, object]:
    return {"ods_code": side.body.ods, "period": side.period.slug}


def page_code(side: Side) -> dict[str, object]:
    return {"code": side.body.ods}


def region(side: Side) -> dict[str, object]:
    return {"code": side.body.region}


def system(side: Side) -> dict[str, object]:
    return {"code": side.body.system}


def seg(**more: Callable[[Side], object]) -> Args:
    return lambda side: {"period": side.period.slug, **{k: f(side) for k, f in more.items()}}


def pk(attribute: str) -> Args:
    return lambda side: {"pk": getattr(side, attribute).pk}


def case(**more: object) -> Args:
    return lambda side: {"pk": side.case.pk, **more}


PUBLIC = Entry(signed_in=False)
SIGNED = Entry()
POST_ONLY = 405

PAGES: dict[str, Entry] = {
    "home": SIGNED,
    "healthz": PUBLIC,
    "role-policy": SIGNED,
    "info-page": Entry(lambda s: {"slug": "privacy"}, signed_in=False),
    "login": PUBLIC,
    "logout": Entry(get=POST_ONLY, signed_in=False),
    # A user's own API tokens (tests/accounts/test_tokens.py: someone else's is 404).
    "api-tokens": SIGNED,
    "api-token-revoke": Entry(lambda s: {"pk": NONE}, nobody, get=POST_ONLY),
    # Single sign-on: 404 to everyone while OIDC is not set up (tests/accounts/test_sso.py).
    "oidc_authentication_init": Entry(get=404, signed_in=False),
    "oidc_authentication_callback": Entry(get=404, signed_in=False),
    "directory": SIGNED,
    "region-detail": Entry(region, in_region),
    "system-detail": Entry(system, sees_system),
    "organisation-detail": Entry(page_code, sees_body),
    "organisation-sector": Entry(page_code, sees_body, "edit_registry"),
    "catalogue-index": SIGNED,
    "catalogue-upload": Entry(see=national_only, act="edit_catalogue"),
    "catalogue-edition": Entry(lambda s: {"edition": EDITION}),
    "catalogue-download": Entry(lambda s: {"edition": EDITION}),
    "catalogue-metric": Entry(lambda s: {"edition": EDITION, "code": "M01"}),
    "catalogue-metric-edit": Entry(
        lambda s: {"edition": EDITION, "code": "M01"}, national_only, "edit_catalogue"
    ),
    "periods": SIGNED,
    "periods-create": Entry(see=national_only, act="edit_catalogue", get=POST_ONLY),
    "returns-list": SIGNED,
    "returns-completeness": Entry(lambda s: {"period": s.period.slug}, reviewer),
    "return-detail": Entry(ods, sees_body),
    "return-upload": Entry(ods, sees_body, "submit", POST_ONLY),
    "return-preview": Entry(lambda s: {**ods(s), "draft": NONE}, nobody, "submit"),
    "return-justify": Entry(ods, sees_body, "submit", POST_ONLY),
    "return-sign-off": Entry(ods, sees_body, "sign_off"),  # GET: check your answers
    "return-accept": Entry(ods, sees_body, "review", POST_ONLY),
    "return-send-back": Entry(ods, sees_body, "review", POST_ONLY),
    "return-reopen": Entry(ods, sees_body, "reopen", POST_ONLY),
    "return-history": Entry(ods, sees_body),
    "return-version-file": Entry(lambda s: {**ods(s), "number": 1}, sees_body),
    "return-version-findings": Entry(lambda s: {**ods(s), "number": 1}, sees_body),
    "return-template": Entry(lambda s: {**ods(s), "file_format": "csv"}, sees_body),
    "organisation-profile": Entry(page_code, sees_body),
    "organisation-metric": Entry(lambda s: {"code": s.body.ods, "metric_code": "M01"}, sees_body),
    "organisation-metric-rebase": Entry(
        lambda s: {"code": s.body.ods, "metric_code": "M01"}, sees_body, "review"
    ),
    "runs-list": Entry(see=with_role),
    "run-detail": Entry(lambda s: {"run_id": s.run.pk}, with_role),
    "segmentation-index": SIGNED,
    "segmentation-notifications": SIGNED,
    "segmentation-notification-open": Entry(lambda s: {"pk": NONE}, nobody, get=POST_ONLY),
    "segmentation-region": Entry(seg(code=lambda s: s.body.region), in_region),
    "segmentation-body": Entry(seg(ods=lambda s: s.body.ods), oversees_body),
    "segmentation-decide": Entry(seg(ods=lambda s: s.body.ods), oversees_body, "decide"),
    "segmentation-view-new": Entry(seg(ods=lambda s: s.body.ods), oversees_body, "view_seg"),
    "segmentation-confirm": Entry(
        seg(pk=lambda s: s.decision.pk), oversees_body, "decide", POST_ONLY
    ),
    "segmentation-send-back": Entry(seg(pk=lambda s: s.decision.pk), oversees_body, "decide"),
    "segmentation-system": Entry(seg(code=lambda s: s.body.system), sees_system),
    "segmentation-publish": Entry(seg(code=lambda s: s.body.region), in_region, "publish"),
    "segmentation-national": Entry(seg(), oversees_any),
    "segmentation-export": Entry(
        seg(table=lambda s: "league", file_format=lambda s: "csv"), oversees_any
    ),
    "segmentation-differences": Entry(seg(), national_only),
    "segmentation-compare": Entry(seg(), national_only),
    "case-list": SIGNED,
    "case-system-new": Entry(see=national_only, act="open_case"),
    "case-detail": Entry(case(), sees_case),
    "case-print": Entry(case(), sees_case),
    "case-appoint": Entry(case(), sees_case, "open_case"),
    "case-details": Entry(case(), sees_case, "work_case"),
    "case-exit": Entry(case(), sees_case, "open_case"),
    "case-document": Entry(case(document=NONE), nobody),
    "case-stocktake-edit": Entry(case(), sees_case, "work_case"),
    "case-criterion-new": Entry(case(), sees_case, "work_case"),
    "case-criterion-change": Entry(case(criterion=NONE), nobody, "work_case"),
    "case-criterion-status": Entry(case(criterion=NONE), nobody, "work_case"),
    "case-workstream-new": Entry(case(), sees_case, "work_case"),
    "case-action-new": Entry(case(workstream=NONE), nobody, "work_case"),
    "case-action": Entry(case(action=NONE), nobody),
    "case-action-step": Entry(case(action=NONE, step="progress"), nobody, "work_case"),
    "case-milestone-new": Entry(case(), sees_case, "work_case"),
    "case-milestone-achieved": Entry(case(milestone=NONE), nobody, "work_case", POST_ONLY),
    "case-review-new": Entry(case(), sees_case, "work_case"),
    "case-note-new": Entry(case(), sees_case, "work_case"),
    "case-document-new": Entry(case(), sees_case, "work_case"),
    "case-part": Entry(case(part="plan"), sees_case),
    "system-lens": Entry(system, sees_system),
    "system-lens-agreement": Entry(lambda s: {**system(s), "year": 2021}, sees_system),
    "system-lens-agreement-new": Entry(
        lambda s: {**system(s), "year": 2021}, sees_system, "run_oversight"
    ),
    "system-lens-review-new": Entry(
        lambda s: {**system(s), "year": 2021}, sees_system, "run_oversight"
    ),
    "system-lens-meeting-new": Entry(system, sees_system, "run_oversight"),
    "system-lens-concern-new": Entry(system, sees_system, "run_oversight"),
    "system-lens-local-metric-new": Entry(system, sees_system, "run_oversight"),
    "system-lens-meeting": Entry(pk("meeting"), sees_meeting),
    "system-lens-action-done": Entry(pk("action"), sees_meeting, "run_oversight", POST_ONLY),
    "system-lens-concern": Entry(pk("concern"), oversees_body),
    "system-lens-body": Entry(page_code, oversees_body),
    "schema": SIGNED,
    "api-docs": SIGNED,
}


def api_pk(attribute: str) -> Args:
    return lambda side: {"pk": getattr(side, attribute).pk}


def result_pk(side: Side) -> dict[str, object]:
    from metrics.models.results import MetricResult

    found = MetricResult.objects.filter(organisation=side.organisation, run=side.run).first()
    assert found is not None
    return {"pk": found.pk}


def flag_pk(side: Side) -> dict[str, object]:
    from metrics.models.results import Flag

    found = Flag.objects.filter(organisation=side.organisation).first()
    return {"pk": found.pk if found else NONE}


def ics_lead_of(member: str, side: Side) -> bool:
    return SCOPE[member] == side.body.system


API: dict[str, Entry] = {
    "api-root": SIGNED,
    "api-region-list": SIGNED,
    "api-region-detail": Entry(lambda s: {"ods_code": s.body.region}, in_region),
    "api-system-list": SIGNED,
    "api-system-detail": Entry(lambda s: {"ods_code": s.body.system}, sees_system),
    "api-organisation-list": SIGNED,
    "api-organisation-detail": Entry(lambda s: {"ods_code": s.body.ods}, sees_body),
    "edition-list": SIGNED,
    "edition-detail": Entry(lambda s: {"code": EDITION}),
    "metric-list": SIGNED,
    "metric-detail": Entry(lambda s: {"pk": s.metric.pk}),
    "period-list": SIGNED,
    "period-detail": Entry(lambda s: {"pk": s.period.pk}),
    "api-return-list": SIGNED,
    "api-return-completeness": Entry(see=reviewer, get=400),  # no quarter named: 400
    "api-return-template": Entry(get=404),  # no body named: 404
    "api-return-upload": Entry(act="submit", get=POST_ONLY),
    "api-return-detail": Entry(api_pk("return_record"), sees_body),
    "api-return-accept": Entry(api_pk("return_record"), sees_body, "review", POST_ONLY),
    "api-return-history": Entry(api_pk("return_record"), sees_body),
    "api-return-justify": Entry(api_pk("return_record"), sees_body, "submit", POST_ONLY),
    "api-return-reopen": Entry(api_pk("return_record"), sees_body, "reopen", POST_ONLY),
    "api-return-send-back": Entry(api_pk("return_record"), sees_body, "review", POST_ONLY),
    "api-return-sign-off": Entry(api_pk("return_record"), sees_body, "sign_off", POST_ONLY),
    "api-result-list": SIGNED,
    "api-result-detail": Entry(result_pk, sees_body),
    "api-flag-list": SIGNED,
    "api-flag-detail": Entry(flag_pk, sees_body),
    "api-organisation-spc": Entry(lambda s: {"code": s.body.ods, "metric_code": "M01"}, sees_body),
    "api-organisation-spc-rebases": Entry(
        lambda s: {"code": s.body.ods, "metric_code": "M01"}, sees_body, "review"
    ),
    "api-run-list": SIGNED,
    "api-run-detail": Entry(api_pk("run"), with_role),
    "api-run-inputs": Entry(api_pk("run"), with_role),
    "api-proposal-list": SIGNED,
    "api-proposal-detail": Entry(api_pk("proposal"), oversees_body),
    "api-proposal-trace": Entry(api_pk("proposal"), oversees_body),
    "api-method-list": SIGNED,
    "api-method-detail": Entry(lambda s: {"code": "sof-2021-22"}),
    "api-decision-list": Entry(act="decide"),
    "api-decision-detail": Entry(api_pk("decision"), oversees_body),
    "api-decision-confirm": Entry(api_pk("decision"), oversees_body, "decide", POST_ONLY),
    "api-decision-send-back": Entry(api_pk("decision"), oversees_body, "decide", POST_ONLY),
    "api-system-view-list": Entry(act="view_seg"),
    "api-system-view-detail": Entry(lambda s: {"pk": NONE}, nobody),
    "api-view-request-list": Entry(act="decide"),
    "api-view-request-detail": Entry(lambda s: {"pk": NONE}, nobody),
    "api-publication-list": Entry(act="publish"),
    "api-publication-status": Entry(get=404),  # no quarter named: 404
    "api-publication-detail": Entry(lambda s: {"pk": NONE}, nobody),
    "api-notification-list": SIGNED,
    "api-notification-detail": Entry(lambda s: {"pk": NONE}, nobody),
    "api-notification-read": Entry(lambda s: {"pk": NONE}, nobody, "", POST_ONLY),
    "api-segmentation-league-table": Entry(get=400),  # no quarter named: 400
    "api-segmentation-trace": Entry(get=400),  # nothing named: 400
    "api-case-list": Entry(act="open_case"),
    "api-case-detail": Entry(case(), sees_case),
    "api-case-appoint": Entry(case(), sees_case, "open_case", POST_ONLY),
    "api-case-criteria": Entry(case(), sees_case, "work_case", POST_ONLY),
    "api-case-details": Entry(case(), sees_case, "work_case", POST_ONLY),
    "api-case-documents": Entry(case(), sees_case, "work_case", POST_ONLY),
    "api-case-exit": Entry(case(), sees_case, "open_case", POST_ONLY),
    "api-case-milestones": Entry(case(), sees_case, "work_case", POST_ONLY),
    "api-case-notes": Entry(case(), sees_case, "work_case", POST_ONLY),
    "api-case-reviews": Entry(case(), sees_case, "work_case", POST_ONLY),
    "api-case-stocktake": Entry(case(), sees_case, "work_case", POST_ONLY),
    "api-case-workstreams": Entry(case(), sees_case, "work_case", POST_ONLY),
    **{
        f"api-case-action-{name}": Entry(lambda s: {"pk": NONE}, nobody, "work_case", POST_ONLY)
        for name in ("close", "progress", "propose-closure", "rag", "reject-closure", "replan")
    },
    "api-case-action-detail": Entry(lambda s: {"pk": NONE}, nobody),
    "api-case-workstream-actions": Entry(lambda s: {"pk": NONE}, nobody, "work_case", POST_ONLY),
    "api-case-criterion-detail": Entry(lambda s: {"pk": NONE}, nobody),
    "api-case-criterion-change": Entry(lambda s: {"pk": NONE}, nobody, "work_case", POST_ONLY),
    "api-case-criterion-status": Entry(lambda s: {"pk": NONE}, nobody, "work_case", POST_ONLY),
    "api-case-milestone-achieve": Entry(lambda s: {"pk": NONE}, nobody, "work_case", POST_ONLY),
    "api-agreement-list": SIGNED,
    "api-agreement-versions": Entry(act="run_oversight", get=POST_ONLY),
    "api-agreement-detail": Entry(api_pk("agreement"), sees_system),
    "api-agreement-reviews": Entry(api_pk("agreement"), sees_system, "run_oversight", POST_ONLY),
    "api-concern-list": Entry(act="run_oversight"),
    "api-concern-detail": Entry(api_pk("concern"), oversees_body),
    "api-concern-assess": Entry(api_pk("concern"), oversees_body, "run_oversight", POST_ONLY),
    "api-concern-close": Entry(api_pk("concern"), oversees_body, "run_oversight", POST_ONLY),
    "api-local-metric-list": Entry(act="run_oversight", get=POST_ONLY),
    "api-meeting-list": Entry(act="run_oversight"),
    "api-meeting-detail": Entry(api_pk("meeting"), sees_meeting),
    "api-meeting-action-list": SIGNED,
    "api-meeting-action-detail": Entry(api_pk("action"), action_owner),
    "api-meeting-action-done": Entry(api_pk("action"), sees_meeting, "run_oversight", POST_ONLY),
    "api-rollup-list": SIGNED,
    "api-rollup-detail": Entry(lambda s: {"pk": NONE}, nobody),
    "api-served-system-list": Entry(act="run_oversight"),
    "api-served-system-detail": Entry(lambda s: {"pk": NONE}, nobody),
}

POLICY: dict[str, Entry] = {**PAGES, **API}
