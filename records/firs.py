"""A FIR's value without its state.

A FIR is normalised `{state}/{ps_code}/{year}/{number}` (`matching.identifiers.normalise_fir`).
e-Prisons names an inmate's cases by police-station code and FIR number, without the FIR's state,
so those FIRs are kept without it (`{ps_code}/{year}/{number}`, a partial identifier) and a CCTNS
FIR is matched to them on the same form.
"""

from __future__ import annotations

# The placeholder state a stateless FIR is normalised with before the state is cut off.
UNSTATED = "-"

# Which FIR keys an index derives from its records (link keys, the keys case labels follow, the
# network's FIR nodes). An index stores the version it was written with (indexes from before it
# was recorded count as 1); `indexer.backends.base.stale_keys` says what to run when it differs.
# Version 2: keyed without the state, and an e-Prisons case without its FIR's state is partial.
FIR_KEYS_VERSION = 2


def fir_without_state(value: str | None) -> str | None:
    """`MH/0412/2024/123` (or `0412/2024/123`) → `0412/2024/123`."""
    if not value:
        return None
    parts = value.split("/")
    if len(parts) == 4:
        return "/".join(parts[1:])
    return value if len(parts) == 3 else None
