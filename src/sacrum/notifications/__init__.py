"""Appointment reminders by e-mail and private calendar feeds."""
