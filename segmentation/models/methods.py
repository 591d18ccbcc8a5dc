"""Segmentation methods: an edition's methodology as data, every threshold a named field.

A method belongs to the framework edition whose results it reads. Its ``rules`` say which pure
steps segment with it (``segmentation.sof`` for the SOF 2021/22 criteria, ``segmentation.nof``
for the NOF 2025/26 average score); the fields hold every threshold DESIGN.md names, so a new
year's rules are a new method's data, not a code change. An edition's *primary* method makes
the proposals its regions review; others (such as the demo's illustrative defined thresholds)
segment the same results for comparison only.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from metrics.models.catalogue import FrameworkEdition, Methodology


class SupportProgramme(models.TextChoices):
    """The support programmes of DESIGN.md "Support cases" (the cases themselves are rsp's)."""

    MANDATED_SUPPORT = "mandated_support", "Mandated support"
    RSP = "rsp", "Recovery Support Programme"
    PIP = "pip", "Provider Improvement Programme"


SHARE = [MinValueValidator(0), MaxValueValidator(1)]
RATING = [MinValueValidator(1), MaxValueValidator(4)]


class SegmentationMethod(models.Model):
    """How one edition's results become proposed segments (DESIGN.md "Proposed segment")."""

    edition = models.ForeignKey(
        FrameworkEdition, on_delete=models.PROTECT, related_name="segmentation_methods"
    )
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    rules = models.CharField(
        max_length=20,
        choices=Methodology.choices,
        help_text="Which methodology's steps segment with these parameters",
    )
    primary = models.BooleanField(
        default=False, help_text="Its proposals are the ones the regions review and decide"
    )
    illustrative = models.BooleanField(
        default=False, help_text="Parameters of our own, not NHS England's: for comparison only"
    )
    note = models.TextField(blank=True, help_text="Where the parameters come from")
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by one at every change of a parameter"
    )
    # --- common -----------------------------------------------------------------------------
    segmented_kinds = models.CharField(
        max_length=60,
        default="ics ccg trust",
        help_text="Space-separated kinds of body segmented: ics ccg trust",
    )
    highest_segment = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(4), MaxValueValidator(5)],
        help_text="4 under SOF 2021/22; 5 under NOF 2025/26 (segment 5 only by decision)",
    )
    support_programme = models.CharField(
        max_length=20,
        choices=SupportProgramme.choices,
        blank=True,
        help_text="A body with an open case of this programme is proposed support_segment",
    )
    support_segment = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(3), MaxValueValidator(5)]
    )
    # --- SOF 2021/22: segment 1 candidate ---------------------------------------------------
    top_quartile_share = models.DecimalField(
        default=Decimal("0.50"),
        help_text="Segment 1: at least this share of the quartiled metrics in quartile 1",
        max_digits=3,
        decimal_places=2,
        validators=SHARE,
    )
    top_quartile_most_bottom = models.PositiveSmallIntegerField(
        default=0, help_text="Segment 1: at most this many quartiled metrics in quartile 4"
    )
    cqc_overall_metrics = models.CharField(
        max_length=100, default="S001", help_text="Metric codes of the CQC overall rating"
    )
    cqc_well_led_metrics = models.CharField(
        max_length=100, default="S060", help_text="Metric codes of the CQC well-led rating"
    )
    cqc_good_at_most = models.PositiveSmallIntegerField(
        default=2,
        help_text="Segment 1 (trusts): both ratings coded at most this (1 Outstanding, 2 Good)",
        validators=RATING,
    )
    ics_improvements_at_least = models.PositiveSmallIntegerField(
        default=1, help_text="Segment 1 (ICSs): at least this many SPC improvement flags"
    )
    ics_concerns_at_most = models.PositiveSmallIntegerField(
        default=0, help_text="Segment 1 (ICSs): at most this many SPC concern flags"
    )
    # --- SOF 2021/22: mandated support candidate --------------------------------------------
    bottom_theme_share = models.DecimalField(
        default=Decimal("0.50"),
        help_text="Segment 3: at least this share of one theme's quartiled metrics in quartile 4",
        max_digits=3,
        decimal_places=2,
        validators=SHARE,
    )
    bottom_theme_min_metrics = models.PositiveSmallIntegerField(
        default=1, help_text="Segment 3: a theme counts only with at least this many quartiled"
    )
    cqc_poor_at_least = models.PositiveSmallIntegerField(
        default=3,
        help_text="Segment 3 (trusts): both ratings coded at least this (3 Requires improvement)",
        validators=RATING,
    )
    include_contextual = models.BooleanField(
        default=False, help_text="Count contextual (unscored) metrics among the quartiled ones"
    )
    # --- NOF 2025/26 ------------------------------------------------------------------------
    min_bodies = models.PositiveSmallIntegerField(
        default=4, help_text="Averages are quartiled only in peer groups of at least this many"
    )
    cut_point_1 = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Defined thresholds: segment 1 if the average is at most this",
    )
    cut_point_2 = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Defined thresholds: segment 2 if at most this",
    )
    cut_point_3 = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Defined thresholds: segment 3 if below this, else 4",
    )
    deficit_metrics = models.CharField(
        max_length=100,
        default="OF0079",
        help_text="Metric codes whose value below deficit_below means the body is in deficit",
    )
    deficit_below = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))

    class Meta:
        ordering = ["edition__code", "-primary", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition"], condition=Q(primary=True), name="one_primary_method"
            ),
            models.CheckConstraint(
                name="cut_points_all_or_none",
                condition=Q(
                    cut_point_1__isnull=True, cut_point_2__isnull=True, cut_point_3__isnull=True
                )
                | Q(
                    cut_point_1__isnull=False, cut_point_2__isnull=False, cut_point_3__isnull=False
                ),
            ),
            models.CheckConstraint(
                name="cut_points_ascending",
                condition=Q(cut_point_1__isnull=True)
                | Q(
                    cut_point_1__lte=models.F("cut_point_2"),
                    cut_point_2__lte=models.F("cut_point_3"),
                ),
            ),
            models.CheckConstraint(
                name="support_programme_with_segment",
                condition=Q(support_programme="", support_segment__isnull=True)
                | (~Q(support_programme="") & Q(support_segment__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The method and its version, as exports and pages name it: "sof-2021-22 v3"."""
        return f"{self.code} v{self.version}"

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.segmented_kinds.split())

    @property
    def defined_thresholds(self) -> tuple[Decimal, Decimal, Decimal] | None:
        if self.cut_point_1 is None or self.cut_point_2 is None or self.cut_point_3 is None:
            return None
        return (self.cut_point_1, self.cut_point_2, self.cut_point_3)

    @property
    def segments(self) -> range:
        return range(1, self.highest_segment + 1)
