"""Vahan (sources/vahan.md): vehicle registrations; `live` is the point look-up.

`connector.py` holds the connector, its mapping and the contract's constants; this descriptor is
what the sync machinery needs beside it (`connectors.registry.SOURCES` lists it)."""

from connectors.descriptor import SourceDescriptor
from connectors.sources.vahan.connector import VahanConnector
from records import Kind

SOURCE = SourceDescriptor(
    name="vahan",
    kinds=(Kind.VEHICLE_REGISTRATION,),
    auth="api_key",
    connector=VahanConnector,
    simulator="simulators.servers.vahan:VahanApp",
)
