"""A stored flag's evidence becomes the facts it was raised on, without sentences.

Flags now say their reasons in words when they are shown (``metrics.engine.flag_words``). Each
stored reason loses its ``text``; the two facts the words need that older reasons did not keep
are read from that text (the same words as before), or from the metric where the text has none:
a quartile reason's ``polarity`` ("…; higher better)."), and the metric's name a financial-plan
variance or a CQC rating reason names. Reversing writes the sentences back.
"""

import json
import re

from django.db import migrations, models

NAMED_RULES = ("negative_variance", "cqc_rating")
POLARITY_IN_TEXT = re.compile(r"; ([a-z ]+)\)\.$")
VARIANCE_NAME = re.compile(r"^Variance against the financial plan is \S+, below \S+ \((.*)\)\.$")
CHUNK = 2000


def facts_of(reason: dict, name: str, polarity: str) -> dict:
    """One stored reason as facts: its text read for what the words need, then dropped."""
    text = reason.get("text") or ""
    facts = {key: value for key, value in reason.items() if key != "text"}
    rule = facts.get("rule")
    if rule == "quartile" and "polarity" not in facts:
        found = POLARITY_IN_TEXT.search(text)
        facts["polarity"] = found.group(1).replace(" ", "_") if found else polarity
    if rule in NAMED_RULES and "metric_name" not in facts:
        facts["metric_name"] = _name_in(text, rule, facts) or name
    return facts


def _name_in(text: str, rule: str, facts: dict) -> str:
    if rule == "negative_variance":
        found = VARIANCE_NAME.match(text)
        return found.group(1) if found else ""
    ending = f" is {facts.get('rating')}, below Good."
    return text[: -len(ending)] if text.endswith(ending) else ""


def evidence_as_facts(evidence: dict, name: str, polarity: str) -> dict:
    reasons = evidence.get("reasons", [])
    return {
        **evidence,
        "reasons": [
            facts_of(reason, name, polarity) if isinstance(reason, dict) else reason
            for reason in reasons
        ],
    }


def _rewrite(apps, schema_editor, change) -> None:
    """Each stored flag's evidence through ``change``, written back in chunks of plain UPDATEs
    (psycopg pipelines an executemany; a bulk_update's CASE per row is quadratic)."""
    StoredFlag = apps.get_model("metrics", "StoredFlag")
    Metric = apps.get_model("metrics", "Metric")
    metrics = {
        pk: (name, polarity)
        for pk, name, polarity in Metric.objects.values_list("pk", "name", "polarity")
    }
    rows = StoredFlag.objects.order_by("pk").values_list(
        "pk", "metric_id", "evidence", "parameters"
    )
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while chunk := list(rows.filter(pk__gt=last)[:CHUNK]):  # by key: no cursor held open
            last = chunk[-1][0]
            changed = []
            for pk, metric_id, text, parameters in chunk:
                before = json.loads(text)
                after = change(before, parameters, *metrics.get(metric_id, ("", "")))
                if after != before:
                    changed.append((json.dumps(after), pk))
            cursor.executemany("UPDATE metrics_storedflag SET evidence = %s WHERE id = %s", changed)


def forwards(apps, schema_editor):
    _rewrite(
        apps,
        schema_editor,
        lambda evidence, parameters, name, polarity: evidence_as_facts(evidence, name, polarity),
    )


def backwards(apps, schema_editor):
    from metrics.engine.flag_words import flag_sentences

    def worded(evidence, parameters, name, polarity):
        texts = flag_sentences(evidence, json.loads(parameters))
        reasons = evidence.get("reasons", [])
        return {
            **evidence,
            "reasons": [
                {**reason, "text": text} for reason, text in zip(reasons, texts, strict=False)
            ],
        }

    _rewrite(apps, schema_editor, worded)


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0012_spc_rebase"),
    ]

    operations = [
        migrations.AlterField(
            model_name="storedflag",
            name="evidence",
            field=models.TextField(
                help_text="JSON: the facts it was raised on (values, thresholds, rule); "
                "its words are rendered when shown"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
