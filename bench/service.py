"""The person search service as the benchmarks build it: as `api.app` does, with a fresh sealing
key for profile ids (a benchmark's ids need not outlive its run) and the packaged linkage model
(`federation.linkage`), unless a benchmark brings its own."""

from __future__ import annotations

import os
from typing import Any

from auth.policy import Policy
from federation import PersonSearchService
from federation.linkage import load_model
from federation.profile_ids import KEY_BYTES, ProfileIds
from indexer.backends.base import Backend


def person_search_service(backend: Backend, policy: Policy, **options: Any) -> PersonSearchService:
    options.setdefault("ids", ProfileIds([os.urandom(KEY_BYTES)]))
    options.setdefault("model", load_model(None))
    return PersonSearchService(backend, policy, **options)
