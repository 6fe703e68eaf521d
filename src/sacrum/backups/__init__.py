"""Backups of the whole server (database and uploaded files) and restoring them, across databases too."""
