"""Two plain tables: something to read and something to insert."""

from __future__ import annotations

from django.db import models


class Item(models.Model):
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=8, decimal_places=2)

    def __str__(self) -> str:
        return self.name


class Booking(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE)
    start = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"booking {self.pk}"
