"""SPC rebases as recorded decisions (metrics.models.SpcRebase), append-only in the database:
as for accepted versions (0002), PostgreSQL and SQLite triggers refuse any UPDATE or DELETE of
a recorded rebase. (A test database is emptied by TRUNCATE, which row triggers do not see.)
And a run can be asked to recompute chosen bodies' series (``requested_organisation_ids``)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

POSTGRES = """
CREATE OR REPLACE FUNCTION metrics_refuse_rebase_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'SPC rebase % is a recorded decision: it is never changed or deleted', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER metrics_spcrebase_append_only BEFORE UPDATE OR DELETE ON metrics_spcrebase
    FOR EACH ROW EXECUTE FUNCTION metrics_refuse_rebase_change();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS metrics_spcrebase_append_only ON metrics_spcrebase;
DROP FUNCTION IF EXISTS metrics_refuse_rebase_change();
"""
SQLITE = [
    """CREATE TRIGGER metrics_spcrebase_no_update BEFORE UPDATE ON metrics_spcrebase
       BEGIN SELECT RAISE(ABORT, 'an SPC rebase is a recorded decision: never changed'); END""",
    """CREATE TRIGGER metrics_spcrebase_no_delete BEFORE DELETE ON metrics_spcrebase
       BEGIN SELECT RAISE(ABORT, 'an SPC rebase is a recorded decision: never deleted'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS metrics_spcrebase_no_update",
    "DROP TRIGGER IF EXISTS metrics_spcrebase_no_delete",
]


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    statements = [POSTGRES] if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    for statement in [POSTGRES_REVERSE] if vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('metrics', '0011_metric_weight_exact'),
        ('oversight', '0002_scope_actions_for_segmentation_and_cases'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='calculationrun',
            name='requested_organisation_ids',
            field=models.JSONField(blank=True, default=list, help_text='Bodies whose SPC series to recalculate besides those whose data changed'),
        ),
        migrations.CreateModel(
            name='SpcRebase',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.TextField(help_text='Why the process changed (e.g. a new pathway)')),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('requested_runs', models.JSONField(blank=True, default=list, help_text='The calculation runs it asked for, by id')),
                ('metric', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='spc_rebases', to='metrics.metric')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='oversight.organisation')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('starts', models.ForeignKey(help_text='The quarter whose first point starts the new segment', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='metrics.period')),
            ],
            options={
                'ordering': ['organisation', 'metric', 'starts__start'],
                'constraints': [models.UniqueConstraint(fields=('organisation', 'metric', 'starts'), name='one_rebase_per_quarter')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
