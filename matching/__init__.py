"""Indian name matching and identifier normalisation."""
