"""KhoyaPaya / TrackChild (sources/khoyapaya.md): missing, found and sighted children.

`connector.py` holds the connector, its mapping and the contract's constants; this descriptor is
what the sync machinery needs beside it (`connectors.registry.SOURCES` lists it)."""

from connectors.descriptor import SourceDescriptor
from connectors.sources.khoyapaya.connector import KhoyapayaConnector
from records import Kind

SOURCE = SourceDescriptor(
    name="khoyapaya",
    kinds=(
        Kind.MISSING_PERSON,
        Kind.FOUND_PERSON,
    ),
    auth="api_key",
    connector=KhoyapayaConnector,
    simulator="simulators.servers.khoyapaya:KhoyaPayaApp",
)
