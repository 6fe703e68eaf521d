"""A bare Django + django-ninja project: the floor that benchmarks/http_load.py compares with."""
