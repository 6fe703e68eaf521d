"""Every practitioner profile made before the directory existed gets its public address."""

from typing import Any

from django.db import migrations
from django.utils.text import slugify


def make_listings(apps: Any, schema_editor: Any) -> None:
    profile_model = apps.get_model("clinics", "PractitionerProfile")
    listing_model = apps.get_model("directory", "Listing")
    taken = set(listing_model.objects.values_list("slug", flat=True))
    have = set(listing_model.objects.values_list("profile_id", flat=True))
    for profile in profile_model.objects.order_by("display_name", "id"):
        if profile.pk in have:
            continue
        base = slugify(profile.display_name)[:70].strip("-") or "practitioner"
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        listing_model.objects.create(profile=profile, slug=slug)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_listings_hidden_services_feed_reminders"),
        ("clinics", "0002_directory_currency_coordinates_evidence"),
    ]

    operations = [migrations.RunPython(make_listings, migrations.RunPython.noop)]
