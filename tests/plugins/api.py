"""Pytest fixtures: api (see module owner's docstring)."""
