"""Search backends behind one retrieval contract (`indexer.backends.base`)."""
