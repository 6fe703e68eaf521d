"""Bringing a clinic's records in from the practice system it leaves (CSV with column mapping, FHIR R4)."""
