"""Linkage benchmark: do profiles hold one person, and all of that person? Measured on a
world's ground truth (`python -m bench.linkage.run`)."""
