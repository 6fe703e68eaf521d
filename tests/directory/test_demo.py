"""The demo lists practitioners in a few towns, with verified and unverified credentials."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client as HttpClient

from sacrum.web.demo import seed_demo


def test_the_demo_directory(db: Any) -> None:
    seed_demo(log=lambda _line: None)
    seed_demo(log=lambda _line: None)  # idempotent
    http = HttpClient()
    html = http.get("/directory/?place=Cheltenham&radius=10").content.decode()
    assert re.findall(r'class="result-name"><a href="[^"]+">([^<]+)', html) == [
        "Mara Lindqvist",
        "Owen Price",
    ]
    mara = http.get("/directory/mara-lindqvist/").content.decode()
    assert "Verified by the clinic" in mara and "Not verified by the clinic" in mara
    assert "expired" in mara  # a lapsed registration is never shown as verified
    assert "Owen Price" in http.get("/directory/?place=Bristol&radius=100").content.decode()
    sitemap = http.get("/sitemap.xml").content.decode()
    assert "/directory/hanna-becker/" in sitemap and "/directory/mara-lindqvist/" in sitemap
    # Harbour Wellbeing keeps its directory off: its owner is on no public page.
    assert "ines" not in sitemap
    assert http.get("/directory/ines-moreau/").status_code == 404
