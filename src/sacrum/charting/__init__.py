"""Session charting: SOAP notes, rhythm findings, body map, signing and addenda."""
