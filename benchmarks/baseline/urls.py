"""The baseline's endpoints: hello, three primary-key reads, and a read plus an insert."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from ninja import NinjaAPI

from benchmarks.baseline.models import Booking, Item

api = NinjaAPI()
ITEMS = 100


def hello(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@api.get("/read3")
def read3(request: HttpRequest) -> list[dict[str, Any]]:
    ids = random.sample(range(1, ITEMS + 1), 3)
    return [{"id": i.pk, "name": i.name, "price": str(i.price)} for i in map(_item, ids)]


@api.post("/write", response={201: dict[str, Any]})
def write(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    with transaction.atomic():
        item = _item(random.randint(1, ITEMS))
        booking = Booking.objects.create(item=item, start=dt.datetime.now(dt.UTC))
    return 201, {"id": booking.pk, "item": item.pk}


def _item(pk: int) -> Item:
    return Item.objects.get(pk=pk)


urlpatterns = [path("hello", hello), path("api/", api.urls)]
