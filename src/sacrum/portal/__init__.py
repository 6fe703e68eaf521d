"""The client's own view: appointments, consents, intake, letters, record, curves."""
