"""One HTTP app per source, each per its contract in shared/sources."""
