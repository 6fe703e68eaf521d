"""The slot feed as the worker last wrote it: the manifest and three NDJSON files."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods

from sacrum.directory.feed import FILES, manifest
from sacrum.directory.models import FeedFile
from sacrum.directory.views.public import not_found


@require_http_methods(["GET", "HEAD"])
def feed_manifest(request: HttpRequest) -> HttpResponse:
    generated = FeedFile.objects.filter(name="slots").values_list("generated_at", flat=True).first()
    response = JsonResponse(manifest(generated))
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_http_methods(["GET", "HEAD"])
def feed_file(request: HttpRequest, name: str) -> HttpResponse:
    if name not in FILES.values():
        return not_found(request)
    body = FeedFile.objects.filter(name=name).values_list("body", flat=True).first() or ""
    response = HttpResponse(body, content_type="application/fhir+ndjson; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response
