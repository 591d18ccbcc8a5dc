"""The API schema documents the refusals every operation may give (drf-spectacular
postprocessing hook, SPECTACULAR_SETTINGS "POSTPROCESSING_HOOKS").

Every operation answers 401 without credentials, 404 for what lies outside the caller's
scope (or does not exist), 403 where the caller sees but may not act, 400 for bad input; an
operation that changes something also answers 409 when the object's state refuses it. Each
refusal is ``{"detail": …}`` (oversight.api_errors), a 400 with each bad field beside it. An
operation that declares its own answer for a status keeps it.
"""

from __future__ import annotations

from typing import Any

REFUSAL = "Refusal"
REFUSAL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "additionalProperties": True,
}
WORDS = {
    "400": "Bad input: what is wrong, and where",
    "401": "Not signed in, or the token is not valid",
    "403": "Your role may see this but not do it",
    "404": "Not found within your scope",
    "409": "Refused by the object's state",
}
UNSAFE = {"post", "put", "patch", "delete"}


def document_refusals(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})[REFUSAL] = REFUSAL_SCHEMA
    answer = {"application/json": {"schema": {"$ref": f"#/components/schemas/{REFUSAL}"}}}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ["400", "401", "403", "404", *(["409"] if method in UNSAFE else [])]
            for code in codes:
                operation["responses"].setdefault(
                    code, {"description": WORDS[code], "content": answer}
                )
    return result
