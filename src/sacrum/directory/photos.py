"""A practitioner's photo: any common picture in, a small square-ish JPEG out (Pillow).

Resizing on the server means the public page never loads a 12-megapixel phone photo,
and re-encoding drops whatever the file carried besides the picture (EXIF location,
camera serial numbers). No outside image service is involved.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from PIL import Image, ImageOps, UnidentifiedImageError

from sacrum.directory.models import Listing
from sacrum.directory.visibility import listed_profile_filter

MAX_UPLOAD = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
SIZE = 480  # the longest side of the stored photo
FORMATS = {"JPEG", "PNG", "WEBP"}


def resized_photo(upload: UploadedFile[bytes]) -> ContentFile[bytes]:
    """The upload as a JPEG no larger than ``SIZE`` pixels a side; a ``ValidationError`` if not a photo."""
    if upload.size is not None and upload.size > MAX_UPLOAD:
        raise ValidationError({"photo": "The photo is larger than 10 MB. Choose a smaller one."})
    refused = ValidationError({"photo": "This file is not a JPEG, PNG or WebP picture."})
    try:
        with Image.open(upload) as image:
            if image.format not in FORMATS:
                raise refused
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError({"photo": "This picture has too many pixels."})
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise refused from None
    picture.thumbnail((SIZE, SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")


def public_photo_urls(member_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The directory photo URL of each of these practitioners whose photo the public may
    see (listed, with a photo): one query. The online booking page shows them
    (registered with ``scheduling.practitioners`` when Django starts)."""
    rows = (
        Listing.objects.filter(profile__membership_id__in=list(member_ids))
        .filter(listed_profile_filter("profile"))
        .exclude(photo="")
        .values_list("profile__membership_id", "slug")
    )
    return {member_id: reverse("web:directory_photo", args=[slug]) for member_id, slug in rows}
