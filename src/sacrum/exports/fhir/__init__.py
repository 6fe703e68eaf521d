"""FHIR R4 export: the clinic's Bulk Data files (``bulk.write_fhir``) and one client's
record as a Bundle (``record.client_bundle``)."""
