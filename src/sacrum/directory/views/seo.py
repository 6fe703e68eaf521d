"""For search engines: ``sitemap.xml`` of the listed pages and ``robots.txt``."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from sacrum.directory.models import Listing
from sacrum.directory.selectors import profile_url, site_url
from sacrum.directory.visibility import listed_profile_filter

# Everything is private but the directory, online booking's first step and the feed.
ROBOTS = """User-agent: *
Allow: /directory/
Allow: /book/
Disallow: /book/confirm/
Disallow: /book/manage/
Disallow: /
Sitemap: {sitemap}
"""


@require_http_methods(["GET", "HEAD"])
def robots_txt(request: HttpRequest) -> HttpResponse:
    text = ROBOTS.format(sitemap=site_url(reverse("web:directory_sitemap")))
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


@require_http_methods(["GET", "HEAD"])
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    slugs = (
        Listing.objects.filter(listed_profile_filter("profile"))
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    urls = [site_url(reverse("web:directory_search"))] + [site_url(profile_url(s)) for s in slugs]
    body = "".join(f"<url><loc>{escape(url)}</loc></url>" for url in urls)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'
    )
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")
