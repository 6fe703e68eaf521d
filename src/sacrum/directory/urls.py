"""Directory page URLs, included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import path

from sacrum.directory.views import feed, owner, public, seo

urlpatterns = [
    path("directory/", public.search, name="directory_search"),
    path("directory/slots/$bulk-publish", feed.feed_manifest, name="directory_feed_manifest"),
    path("directory/slots/<slug:name>.ndjson", feed.feed_file, name="directory_feed_file"),
    path("directory/<slug:slug>/", public.practitioner, name="directory_practitioner"),
    path("directory/<slug:slug>/photo.jpg", public.photo, name="directory_photo"),
    path("sitemap.xml", seo.sitemap_xml, name="directory_sitemap"),
    path("robots.txt", seo.robots_txt, name="directory_robots"),
    path("clinic/directory", owner.directory_settings, name="directory_settings"),
    path(
        "practitioners/<uuid:profile_id>/public",
        owner.listing_edit,
        name="directory_listing_edit",
    ),
]
