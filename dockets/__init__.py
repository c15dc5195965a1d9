"""Mini-dockets: one person's profile on paper (PDF), as the printing officer may see it, with
where every fact came from and who printed it, when and why. `DocketService` builds them."""

from .content import Docket
from .network import NetworkSummary, graph_summary
from .service import DocketService

__all__ = ["Docket", "DocketService", "NetworkSummary", "graph_summary"]
