"""Query planning, candidate retrieval, rescoring, profile grouping, policy filters, redaction."""
