"""CCTNS (sources/cctns.md): FIR persons, vehicle reports, missing and found persons.

`connector.py` holds the connector, its mapping and the contract's constants; this descriptor is
what the sync machinery needs beside it (`connectors.registry.SOURCES` lists it)."""

from connectors.descriptor import SourceDescriptor
from connectors.sources.cctns.connector import CctnsConnector
from records import Kind

SOURCE = SourceDescriptor(
    name="cctns",
    kinds=(
        Kind.ACCUSED,
        Kind.VEHICLE_REPORT,
        Kind.MISSING_PERSON,
        Kind.FOUND_PERSON,
    ),
    auth="api_key",
    connector=CctnsConnector,
    simulator="simulators.servers.cctns:CctnsApp",
)
