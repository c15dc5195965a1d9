"""Pytest fixtures: simulators (see module owner's docstring)."""
