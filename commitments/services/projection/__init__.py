"""Projection rows (ProjectionYear): written by one SQL engine (`engine`) for one commitment, a set of ids, or all.

The pure `commitments.projection.project_outflow` is the oracle the tests hold the engine to; its inputs are read by
`selectors.projection_inputs`, which also says which commitments are projected and whether their authority is live.
"""

from commitments.selectors.projection_inputs import LIVE_STATES, PROJECTED_STATES, commitment_is_live
from commitments.services.projection.nightly import (
    NIGHT_BATCH,
    Difference,
    NightResult,
    projection_night,
    projection_verify,
)
from commitments.services.projection.refresh import (
    MANY_MAX,
    SWEEP_BATCH,
    projection_refresh,
    projection_refresh_all,
    projection_refresh_many,
    projection_request,
    projection_sweep,
)

__all__ = [
    "LIVE_STATES",
    "MANY_MAX",
    "NIGHT_BATCH",
    "PROJECTED_STATES",
    "SWEEP_BATCH",
    "Difference",
    "NightResult",
    "commitment_is_live",
    "projection_night",
    "projection_refresh",
    "projection_refresh_all",
    "projection_refresh_many",
    "projection_request",
    "projection_sweep",
    "projection_verify",
]
