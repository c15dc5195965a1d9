"""`/docs` and `/redoc` load nothing from outside this server (#20): their scripts and styles
are served from `/docs/assets/`, and their CSP allows this server only."""

from __future__ import annotations

import re

from tests.plugins.api import LiveApi


def test_the_docs_pages_name_only_local_assets(live_api: LiveApi) -> None:
    for page in ("/docs", "/redoc"):
        response = live_api.get(page, None)
        assert response.status_code == 200, page
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", response.text), page
        assert "'self'" in response.headers["content-security-policy"]
        for asset in re.findall(r"""(?:src|href)=["'](/docs/assets/[^"']+)""", response.text):
            served = live_api.get(asset, None)
            assert served.status_code == 200 and len(served.content) > 1000, asset
    assert live_api.get("/docs/oauth2-redirect", None).status_code == 200
