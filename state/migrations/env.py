"""Alembic's entry point for every area: `state.migrate` hands in the connection and the area."""

from state.migrate import run_in_context

run_in_context()
