"""Sarathi (sources/sarathi.md): driving licences.

`connector.py` holds the connector, its mapping and the contract's constants; this descriptor is
what the sync machinery needs beside it (`connectors.registry.SOURCES` lists it)."""

from connectors.descriptor import SourceDescriptor
from connectors.sources.sarathi.connector import SarathiConnector
from records import Kind

SOURCE = SourceDescriptor(
    name="sarathi",
    kinds=(Kind.DRIVING_LICENCE,),
    auth="api_key",
    connector=SarathiConnector,
    simulator="simulators.servers.sarathi:SarathiApp",
)
