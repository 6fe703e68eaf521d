"""A clinic's full export: FHIR R4 bulk NDJSON and CSV, by page, command and the FHIR $export API."""
