"""Mini-dockets: one person's profile on paper (PDF), as the printing officer may see it, with
where every fact came from and who printed it, when and why. `DocketService` builds them."""

from .content import Docket
from .network import direct_connections
from .service import DocketService

__all__ = ["Docket", "DocketService", "direct_connections"]
