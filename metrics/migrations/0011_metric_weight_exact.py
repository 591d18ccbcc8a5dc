"""A metric's weight becomes an exact fraction ("1/3"), no longer a 4-dp decimal (0.3333).

A stored weight that is a fraction with a denominator of at most 12 rounded to 4 dp (0.3333,
0.6667, 0.1667, 0.1429) was written for that fraction, the only way a decimal column could
hold it: it becomes the fraction. Any other weight is already exact (1, 0.5, 1.25) and keeps
its value."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import migrations

import metrics.models.catalogue

FOUR_PLACES = Decimal("0.0001")
MEANT_DENOMINATORS = range(2, 13)


def meant_weight(stored: Fraction) -> Fraction:
    """The fraction a 4-dp weight was written for (itself when it is no rounded fraction)."""
    if stored.denominator in (1, 2, 4, 5, 8, 10):
        return stored
    for denominator in MEANT_DENOMINATORS:
        candidate = Fraction(round(stored * denominator), denominator)
        rounded = Decimal(candidate.numerator) / Decimal(candidate.denominator)
        if candidate and Fraction(rounded.quantize(FOUR_PLACES, ROUND_HALF_UP)) == stored:
            return candidate
    return stored


def weights_exact(apps, schema_editor):
    Metric = apps.get_model("metrics", "Metric")
    for metric in Metric.objects.all().only("pk", "weight"):
        exact = meant_weight(Fraction(metric.weight))
        Metric.objects.filter(pk=metric.pk).update(weight=str(exact))


def weights_decimal(apps, schema_editor):
    Metric = apps.get_model("metrics", "Metric")
    with schema_editor.connection.cursor() as cursor:
        for pk, weight in Metric.objects.values_list("pk", "weight"):
            exact = Fraction(weight)
            text = str((Decimal(exact.numerator) / exact.denominator).quantize(FOUR_PLACES))
            cursor.execute("UPDATE metrics_metric SET weight = %s WHERE id = %s", [text, pk])


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0010_metric_rollup_and_local"),
    ]

    operations = [
        migrations.AlterField(
            model_name="metric",
            name="weight",
            field=metrics.models.catalogue.ExactFractionField(
                default="1",
                help_text="Its weight in an average metric score, exactly: 1, 1/3, 3/2",
                max_length=40,
            ),
        ),
        migrations.RunPython(weights_exact, weights_decimal),
    ]
