"""One connector per source and the sync engine that pulls them into the index."""
