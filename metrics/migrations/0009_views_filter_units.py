"""The result views read their key columns from the unit side of the join.

PostgreSQL carries an equality to a constant across a join, but not an IN list: a reader's
``organisation_id IN (…)`` on metrics_spcseries filtered the stored series after a scan of all
of them (0.7 s per acceptance at stress scale) instead of picking the bodies' units first.
Same names, types and order: PostgreSQL replaces the views in place (the result view's insert
trigger stays); SQLite, which has no CREATE OR REPLACE VIEW, drops and re-creates them.
"""

from django.db import migrations

VIEWS = {
    "metrics_metricresult": """
SELECT r.id, u.run_id, r.period_id, r.organisation_id, {metric}, {peer_group}, r.value,
    r.rank, r.percentile, r.quartile, r.score, r.version_id, r.months, r.computed_in_id
FROM metrics_resultunit u
JOIN metrics_storedresult r ON r.stored_in_id = u.stored_in_id AND r.metric_id = u.metric_id
    AND r.peer_group = u.peer_group""",
    "metrics_spcseries": """
SELECT s.id, u.run_id, s.period_id, {organisation}, s.metric_id, s.points, s.mean, s.amr,
    s.ucl, s.lcl, s.upper_two_sigma, s.lower_two_sigma, s.trial, s.variation, s.assurance,
    s.latest_period_end, s.latest_value, s.latest_signals, s.latest_classification,
    s.concern_outside_limits, s.concern_run_or_trend, s.consistently_fails, s.result,
    s.computed_in_id
FROM metrics_seriesunit u
JOIN metrics_storedseries s ON s.stored_in_id = u.stored_in_id
    AND s.organisation_id = u.organisation_id""",
    "metrics_flag": """
SELECT f.id, u.run_id, f.period_id, f.organisation_id, {metric}, f.kind,
    {evidence} AS evidence, {parameters} AS parameters
FROM metrics_flagunit u
JOIN metrics_storedflag f ON f.stored_in_id = u.stored_in_id AND f.metric_id = u.metric_id
    AND f.peer_group = u.peer_group""",
}
FROM_UNITS = {
    "metric": "u.metric_id",
    "peer_group": "u.peer_group",
    "organisation": "u.organisation_id",
}
FROM_STORED = {
    "metric": "{stored}.metric_id",
    "peer_group": "r.peer_group",
    "organisation": "s.organisation_id",
}


def _views(schema_editor, columns):
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    json = {
        "evidence": "CAST(f.evidence AS jsonb)" if postgres else "f.evidence",
        "parameters": "CAST(f.parameters AS jsonb)" if postgres else "f.parameters",
    }
    stored = {"metrics_metricresult": "r", "metrics_spcseries": "s", "metrics_flag": "f"}
    with connection.cursor() as cursor:
        for name, select in VIEWS.items():
            names = {key: value.format(stored=stored[name]) for key, value in columns.items()}
            for key in ("metric", "peer_group", "organisation"):
                names[key] += f" AS {key}_id" if key != "peer_group" else " AS peer_group"
            body = select.format(**names, **json)
            if postgres:
                cursor.execute(f"CREATE OR REPLACE VIEW {name} AS {body}")
            else:
                cursor.execute(f"DROP VIEW {name}")
                cursor.execute(f"CREATE VIEW {name} AS {body}")


def units_side(apps, schema_editor):
    _views(schema_editor, FROM_UNITS)


def stored_side(apps, schema_editor):
    _views(schema_editor, FROM_STORED)


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0008_run_inputs_unchecked"),
    ]

    operations = [migrations.RunPython(units_side, stored_side)]
