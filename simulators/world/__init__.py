"""The synthetic world: people, their records in each source, the store and the ground truth."""
