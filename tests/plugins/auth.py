"""Pytest fixtures: auth (see module owner's docstring)."""
