"""The slot feed as the worker last wrote it: the manifest and three NDJSON files."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods

from sacrum.directory.feed import FILES, kind_of, manifest
from sacrum.directory.limits import limited
from sacrum.directory.models import FeedFile
from sacrum.directory.views.public import not_found


@require_http_methods(["GET", "HEAD"])
@limited("FEED_PER_IP", feed=True)
def feed_manifest(request: HttpRequest) -> HttpResponse:
    files = dict(FeedFile.objects.values_list("name", "generated_at"))
    response = JsonResponse(manifest(files.get(FILES["Slot"]), list(files)))
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_http_methods(["GET", "HEAD"])
@limited("FEED_PER_IP", feed=True)
def feed_file(request: HttpRequest, name: str) -> HttpResponse:
    if kind_of(name) is None:
        return not_found(request)
    body = FeedFile.objects.filter(name=name).values_list("body", flat=True).first()
    if body is None and name not in FILES.values():
        return not_found(request)
    response = HttpResponse(body or "", content_type="application/fhir+ndjson; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response
