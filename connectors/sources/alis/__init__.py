"""ALIS (sources/alis.md): arms licences.

`connector.py` holds the connector, its mapping and the contract's constants; this descriptor is
what the sync machinery needs beside it (`connectors.registry.SOURCES` lists it)."""

from connectors.descriptor import SourceDescriptor
from connectors.sources.alis.connector import AlisConnector
from records import Kind

SOURCE = SourceDescriptor(
    name="alis",
    kinds=(Kind.ARMS_LICENCE,),
    auth="basic",
    connector=AlisConnector,
    simulator="simulators.servers.alis:AlisApp",
)
