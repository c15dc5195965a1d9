"""IVFRT (sources/ivfrt.md): foreigners' registrations.

`connector.py` holds the connector, its mapping and the contract's constants; this descriptor is
what the sync machinery needs beside it (`connectors.registry.SOURCES` lists it)."""

from connectors.descriptor import SourceDescriptor
from connectors.sources.ivfrt.connector import IvfrtConnector
from records import Kind

SOURCE = SourceDescriptor(
    name="ivfrt",
    kinds=(Kind.FOREIGNER,),
    auth="api_key",
    connector=IvfrtConnector,
    simulator="simulators.servers.ivfrt:IvfrtApp",
)
