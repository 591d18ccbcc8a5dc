"""The returns' models: one return per body, quarter and edition; its immutable versions, values,
findings, reopenings, events and drafts."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone

from metrics.models.arrays import PortableArray
from metrics.models.catalogue import FrameworkEdition, Metric, Period
from oversight.models import Organisation


class ReturnState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted, awaiting sign-off"
    SIGNED_OFF = "signed_off", "Signed off, awaiting regional review"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Sent back"


class Return(models.Model):
    """One body's quarterly oversight return for one edition: a series of versions."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="returns")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="returns")
    edition = models.ForeignKey(FrameworkEdition, on_delete=models.PROTECT, related_name="returns")
    state = models.CharField(max_length=20, choices=ReturnState.choices)
    current_version = models.ForeignKey(
        "ReturnVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_version = models.ForeignKey(
        "ReturnVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period", "edition"], name="one_return_per_quarter"
            )
        ]
        indexes = [models.Index(fields=["period", "edition", "state"])]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.period.label} ({self.get_state_display()})"


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class KeptFile(models.Model):
    """A file a body uploaded, kept byte for byte (a version's, or a draft's under preview)."""

    file_name = models.CharField(max_length=255)
    file_content = models.BinaryField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    @property
    def content(self) -> bytes:
        """The file's bytes (the database driver may hand back a memoryview)."""
        return bytes(self.file_content)


class ReturnVersion(KeptFile):
    """One upload, immutable: the original file, its SHA-256, who sent it and what was found."""

    return_record = models.ForeignKey(Return, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    file_sha256 = models.CharField(max_length=64)
    file_size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    value_count = models.PositiveIntegerField(default=0)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    accepted = models.BooleanField(default=False)
    review_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["return_record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["return_record", "number"], name="version_numbers"),
            models.UniqueConstraint(
                fields=["return_record", "file_sha256"], name="identical_file_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.return_record} v{self.number}"


class Value(models.Model):
    """One value of a version: a (metric, month or quarter end) cell of the return file."""

    version = models.ForeignKey(ReturnVersion, on_delete=models.CASCADE, related_name="values")
    # Denormalised from the version so national queries never join through returns.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="values")
    period_end = models.DateField()
    value = models.FloatField()
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    comment = models.TextField(blank=True)
    row = models.PositiveIntegerField(help_text="Line of the uploaded file, for explanations")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "metric", "period_end"], name="one_value_per_cell"
            )
        ]
        indexes = [models.Index(fields=["metric", "period_end", "version"])]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.period_end}: {self.value:g}"


class Severity(models.TextChoices):
    BLOCKING = "blocking", "Blocking"
    WARNING = "warning", "Warning"


class Finding(models.Model):
    """What validation found in a version: where (row, column), what (code) and how bad."""

    version = models.ForeignKey(ReturnVersion, on_delete=models.CASCADE, related_name="findings")
    row = models.PositiveIntegerField(null=True, blank=True)
    column = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    message = models.TextField()
    metric_code = models.CharField(max_length=20, blank=True)
    justification = models.TextField(blank=True)
    justified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["version", "row", "column"]

    def __str__(self) -> str:
        return f"Row {self.row}, column {self.column}: {self.message}"


class Reopening(models.Model):
    """A regional lead's unlock of one body's return outside its window, until it expires."""

    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="reopenings")
    reason = models.TextField()
    expires_at = models.DateTimeField()
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Reopened until {self.expires_at:%d %b %Y %H:%M}: {self.reason}"


class ReturnEvent(models.Model):
    """The audit trail of a return: every upload, sign-off, review, reopen and value change."""

    class Action(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded a version"
        JUSTIFIED = "justified", "Justified warnings"
        SIGNED_OFF = "signed_off", "Signed off"
        ACCEPTED = "accepted", "Accepted"
        SENT_BACK = "sent_back", "Sent back"
        REOPENED = "reopened", "Reopened"
        VALUES_CHANGED = "values_changed", "Values changed"
        SIGN_OFF_CANCELLED = "sign_off_cancelled", "Sign-off cancelled"

    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="events")
    version = models.ForeignKey(
        ReturnVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["return_record", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_id} at {self.at:%d %b %Y %H:%M}"


class ReturnDraft(KeptFile):
    """An uploaded file under preview: checked, compared, not yet submitted (DESIGN: "draft").

    Seen only by the uploader; submitting it turns it into a `ReturnVersion` and deletes it.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    edition = models.ForeignKey(FrameworkEdition, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    def __str__(self) -> str:
        return f"Draft {self.file_name}"


class AcceptedSeries(models.Model):
    """The accepted values of one body's metric, held as one row of arrays in period order.

    Beside the versions' values (the record of what was submitted, never changed), a run's
    input in the form SPC needs it: each quarter's accepted version contributes its own
    quarter's points, so a run reads a batch of series in one statement and analyses them as
    arrays, with no regrouping of rows. Written only by ``metrics.returns.series`` (in the
    transaction that accepts a return, and by the bulk loaders); ``manage.py check_series``
    rebuilds them from the versions and names any difference.
    """

    edition = models.ForeignKey(
        FrameworkEdition, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="+", db_index=False)
    period_ends = PortableArray(models.DateField())
    values = PortableArray(models.FloatField())
    version_ids = PortableArray(models.BigIntegerField(), help_text="The version of each value")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "organisation", "metric"], name="one_series_per_body_metric"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.metric_id}: {len(self.values)} points"
