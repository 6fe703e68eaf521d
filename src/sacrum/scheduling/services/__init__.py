"""Scheduling writes. Every one checks the actor's role and writes an audit entry."""
