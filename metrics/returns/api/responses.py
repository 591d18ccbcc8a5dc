"""How the returns API answers: refusals with their findings, conflicts, dry runs, files, and
the documented error responses."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from drf_spectacular.utils import (
    OpenApiResponse,
)
from rest_framework import status
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from metrics.models.returns import (
    Severity,
)
from metrics.returns.api.serializers import (
    DetailSerializer,
    FindingOutSerializer,
    RejectionSerializer,
    ValueChangeSerializer,
)
from metrics.returns.changes import KINDS
from metrics.returns.downloads import CONTENT_TYPES
from metrics.returns.upload import Preview


def findings_out(findings: Iterable[Any]) -> list[dict[str, Any]]:
    return FindingOutSerializer(findings, many=True).data  # type: ignore[return-value]  # many=True: DRF's ReturnList of dicts; the stubs type .data as one object's


def rejection_body(message: str, findings: Sequence[Any] = ()) -> dict[str, Any]:
    """Every refusal of a file: ``{detail, findings}``; a refused file is one finding."""
    if not findings:
        findings = [
            {
                "row": None,
                "column": "",
                "code": "file_rejected",
                "severity": Severity.BLOCKING,
                "message": message,
            }
        ]
    return {"detail": message, "findings": findings_out(findings)}


def rejection(message: str, findings: Sequence[Any] = ()) -> Response:
    return Response(rejection_body(message, findings), status=status.HTTP_400_BAD_REQUEST)


def sign_off_conflict(message: str) -> Response:
    """409: the upload would cancel a sign-off and was not told it may (nothing stored)."""
    findings = [
        {
            "row": None,
            "column": "",
            "code": "cancels_sign_off",
            "severity": Severity.BLOCKING,
            "message": message,
        }
    ]
    return Response(
        {
            "detail": message,
            "findings": findings_out(findings),
            "cancel_sign_off": [
                "Send cancel_sign_off=true to store the new version and cancel the sign-off."
            ],
        },
        status=status.HTTP_409_CONFLICT,
    )


def dry_run_payload(preview: Preview) -> dict[str, Any]:
    return {
        "dry_run": True,
        "blocking": preview.blocking,
        "duplicate_of": preview.duplicate_of.number if preview.duplicate_of else None,
        "values": len(preview.result.values),
        "sha256": preview.sha256,
        "findings": findings_out(preview.result.findings),
        "changes": {k: preview.count(k) for k in KINDS},
        "changed_values": ValueChangeSerializer(
            [c for c in preview.changes if c.kind in ("changed", "removed", "refused")], many=True
        ).data,
    }


class FileRenderer(BaseRenderer):
    """Passes a file's bytes through; errors (dicts) go out as JSON text."""

    charset = None

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode()


class CsvRenderer(FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XlsxRenderer(FileRenderer):
    media_type = CONTENT_TYPES["xlsx"]
    format = "xlsx"


ERRORS = {
    400: OpenApiResponse(RejectionSerializer, description="Bad input or file; what and where"),
    403: OpenApiResponse(DetailSerializer, description="Your role may see but not do this"),
    404: OpenApiResponse(DetailSerializer, description="Not found within your scope"),
    409: OpenApiResponse(
        RejectionSerializer,
        description="Refused by the return's state or window (detail; findings where an "
        "upload was refused, e.g. cancels_sign_off)",
    ),
    413: OpenApiResponse(RejectionSerializer, description="Too large: refused before reading"),
}


def refusals(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}
