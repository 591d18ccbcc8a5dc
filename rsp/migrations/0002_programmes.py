"""The support programmes of SOF 2021/22 and NOF 2025/26 (DESIGN.md "Support cases")."""

from django.db import migrations

PROGRAMMES = [
    ("sof-2021-22", 3, "mandated_support", "Mandated support", "regional_lead"),
    ("sof-2021-22", 4, "rsp", "Recovery Support Programme", "sid"),
    ("nof-2025-26", 5, "pip", "Provider Improvement Programme", "sid"),
]


def seed(apps, schema_editor):
    Programme = apps.get_model("rsp", "Programme")
    for edition_code, segment, kind, name, lead_kind in PROGRAMMES:
        Programme.objects.update_or_create(
            edition_code=edition_code,
            segment=segment,
            defaults={"kind": kind, "name": name, "lead_kind": lead_kind},
        )


class Migration(migrations.Migration):
    dependencies = [("rsp", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
