"""A bare Django + django-ninja project: the floor that benchmarks/http.py compares with."""
