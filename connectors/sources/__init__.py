"""One folder per source: `<name>/connector.py` (the connector, its mapping, the contract's
constants) and `<name>/__init__.py` (its `SOURCE` descriptor). Adding a source is a new folder
and one line in `connectors.registry.SOURCES`; see `docs/architecture.md`."""
