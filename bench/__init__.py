"""Benchmarks: `make bench` runs them all; results under bench/results/."""
