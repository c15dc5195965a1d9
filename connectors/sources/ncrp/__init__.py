"""NCRP (sources/ncrp.md): cyber-crime complaints.

`connector.py` holds the connector, its mapping and the contract's constants; this descriptor is
what the sync machinery needs beside it (`connectors.registry.SOURCES` lists it)."""

from connectors.descriptor import SourceDescriptor
from connectors.sources.ncrp.connector import NcrpConnector
from records import Kind

SOURCE = SourceDescriptor(
    name="ncrp",
    kinds=(Kind.CYBER_COMPLAINT,),
    auth="oauth",
    connector=NcrpConnector,
    simulator="simulators.servers.ncrp:NcrpApp",
)
