"""Pytest fixtures: backends (see module owner's docstring)."""
