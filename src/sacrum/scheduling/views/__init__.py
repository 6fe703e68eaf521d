"""Scheduling pages: calendar, booking, appointments, services, working hours."""
