"""The system lens's evidence on a body's regional review page (segmentation.review_panels):
its specific concerns with their outcomes, and the lead ICS of a body overseen across ICSs."""

from __future__ import annotations

from accounts.scope import AnyUser
from metrics.models.catalogue import Period
from oversight.models import Organisation
from segmentation.review_panels import ReviewPanel, review_panel
from systemlens.evidence import body_oversight_url, evidence_for


@review_panel(order=10)
def concerns_and_lead_ics(
    *, user: AnyUser, organisation: Organisation, period: Period | None
) -> ReviewPanel | None:
    evidence = evidence_for(user=user, organisation_ids=[organisation.pk])[organisation.pk]
    return ReviewPanel(
        heading="Specific concerns and oversight across ICSs",
        template="systemlens/_review_panel.html",
        data={"evidence": evidence, "url": body_oversight_url(organisation.ods_code)},
    )
