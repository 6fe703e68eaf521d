"""The public directory: search, a practitioner's page, their photo. No sign-in, no client data.

Pages carry ``Cache-Control: no-store, private`` from the shared middleware like every
page Sacrum renders: they hold nothing private, but free times change by the minute. The
search and practitioner pages are rate limited per address (``limits``); photos are not
(a page of results shows twenty).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sacrum.directory import selectors
from sacrum.directory.forms import SearchForm
from sacrum.directory.limits import limited
from sacrum.directory.models import Listing
from sacrum.directory.structured import practitioner_json_ld
from sacrum.directory.visibility import listed_profile_filter

TEMPLATES = "directory"


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, f"{TEMPLATES}/not_found.html", status=404)


@require_http_methods(["GET", "HEAD"])
@limited("PAGES_PER_IP")
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    result = None
    asked = bool(request.GET)
    if asked and form.is_valid():
        result = selectors.search(form.query(), timezone.now())
    context: dict[str, Any] = {
        "form": form,
        "result": result,
        "asked": asked,
        "canonical": selectors.site_url(request.path),
    }
    if result is not None and result.pages > 1:
        query = request.GET.copy()
        page = result.query.page
        if page > 1:
            query["page"] = str(page - 1)
            context["previous_page"] = query.urlencode()
        if page < result.pages:
            query["page"] = str(page + 1)
            context["next_page"] = query.urlencode()
    return render(
        request,
        f"{TEMPLATES}/search.html",
        context,
        status=200 if form.is_valid() or not asked else 400,
    )


@require_http_methods(["GET", "HEAD"])
@limited("PAGES_PER_IP")
def practitioner(request: HttpRequest, slug: str) -> HttpResponse:
    page = selectors.practitioner_page(slug, timezone.now())
    if page is None:
        return not_found(request)
    return render(
        request,
        f"{TEMPLATES}/practitioner.html",
        {
            "page": page,
            "clinic": page.clinic,
            "canonical": selectors.site_url(page.url),
            "json_ld": practitioner_json_ld(page),
        },
    )


@require_http_methods(["GET", "HEAD"])
def photo(request: HttpRequest, slug: str) -> HttpResponseBase:
    listing = Listing.objects.filter(slug=slug).filter(listed_profile_filter("profile")).first()
    if listing is None or not listing.photo:
        return not_found(request)
    try:
        handle = listing.photo.open("rb")
    except OSError:
        return not_found(request)
    return FileResponse(handle, content_type="image/jpeg")
