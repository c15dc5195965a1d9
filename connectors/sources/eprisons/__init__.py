"""e-Prisons (sources/eprisons.md): inmates; no deletes, so its ids are reconciled.

`connector.py` holds the connector, its mapping and the contract's constants; this descriptor is
what the sync machinery needs beside it (`connectors.registry.SOURCES` lists it)."""

from connectors.descriptor import SourceDescriptor
from connectors.sources.eprisons.connector import EprisonsConnector
from records import Kind

SOURCE = SourceDescriptor(
    name="eprisons",
    kinds=(Kind.INMATE,),
    auth="oauth",
    connector=EprisonsConnector,
    simulator="simulators.servers.eprisons:EprisonsApp",
)
