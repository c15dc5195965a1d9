"""The `icjs` command line."""
