"""Clinic pages, one module per concept: the clinic, its places, its staff, its practitioners."""
