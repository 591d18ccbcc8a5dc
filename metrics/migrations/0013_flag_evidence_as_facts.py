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


def _rewrite(apps, change) -> None:
    StoredFlag = apps.get_model("metrics", "StoredFlag")
    Metric = apps.get_model("metrics", "Metric")
    metrics = {
        pk: (name, polarity)
        for pk, name, polarity in Metric.objects.values_list("pk", "name", "polarity")
    }
    changed = []
    rows = StoredFlag.objects.only("pk", "metric_id", "evidence", "parameters")
    for flag in rows.iterator(chunk_size=CHUNK):
        before = json.loads(flag.evidence)
        after = change(before, flag, *metrics.get(flag.metric_id, ("", "")))
        if after != before:
            flag.evidence = json.dumps(after)
            changed.append(flag)
        if len(changed) >= CHUNK:
            StoredFlag.objects.bulk_update(changed, ["evidence"])
            changed = []
    StoredFlag.objects.bulk_update(changed, ["evidence"])


def forwards(apps, schema_editor):
    _rewrite(
        apps, lambda evidence, flag, name, polarity: evidence_as_facts(evidence, name, polarity)
    )


def backwards(apps, schema_editor):
    from metrics.engine.flag_words import flag_sentences

    def worded(evidence, flag, name, polarity):
        texts = flag_sentences(evidence, json.loads(flag.parameters))
        reasons = evidence.get("reasons", [])
        return {
            **evidence,
            "reasons": [
                {**reason, "text": text} for reason, text in zip(reasons, texts, strict=False)
            ],
        }

    _rewrite(apps, worded)


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
