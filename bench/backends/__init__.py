"""Backend benchmarks: ingest rate, candidate retrieval latency, index size (`python -m
bench.backends.run`)."""
