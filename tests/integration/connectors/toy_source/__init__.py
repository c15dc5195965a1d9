"""A toy source, defined as any new source is: this folder (connector with its mapping and
contract constants, and its simulator) and its descriptor. Nothing else in the tree names it."""

from connectors.descriptor import SourceDescriptor
from records import Kind

from .connector import ToyConnector

SOURCE = SourceDescriptor(
    name="toy",
    kinds=(Kind.ACCUSED,),
    auth="api_key",
    connector=ToyConnector,
    simulator="tests.integration.connectors.toy_source.simulator:app",
)
