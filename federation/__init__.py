"""Query planning, candidate retrieval through a backend, rescoring, grouping into profiles,
policy filters and field redaction. The API calls `PersonSearchService`,
`VehicleSearchService` and `NocService`; nothing here speaks HTTP."""

from .noc import NocService, revoke_on_reports
from .noc_model import Assessment, Decision, IssuedNoc, NocEvidence, NocReason
from .noc_store import NocStore
from .persons import PersonSearchService, SearchOutcome
from .planning import PersonSearch, VehicleSearch, VehicleTerms, normalise_vehicle
from .policy import Policy, Withheld
from .vehicle_search import (
    InvalidVehicleSearch,
    LiveAnswer,
    VehicleSearchResult,
    VehicleSearchService,
)
from .vehicles import VahanLookup, VehicleOutcome
from .views import ProfileView, RecordView

__all__ = [
    "Assessment",
    "Decision",
    "InvalidVehicleSearch",
    "IssuedNoc",
    "LiveAnswer",
    "NocEvidence",
    "NocReason",
    "NocService",
    "NocStore",
    "PersonSearch",
    "PersonSearchService",
    "Policy",
    "ProfileView",
    "RecordView",
    "SearchOutcome",
    "VahanLookup",
    "VehicleOutcome",
    "VehicleSearch",
    "VehicleSearchResult",
    "VehicleSearchService",
    "VehicleTerms",
    "Withheld",
    "normalise_vehicle",
    "revoke_on_reports",
]
