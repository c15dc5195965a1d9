"""The whole application: the API (`api.app.create_app`) with the pages mounted on it.

`icjs serve` and `icjs demo` serve this; the API's own tests may build the API alone.
"""

from __future__ import annotations

import os
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from api.app import create_app as create_api
from api.app import settling_collector
from api.ratelimit import TokenBucket
from auth.accounts import OfficerAccounts
from auth.authorization_codes import AuthorizationCodes
from config import Settings
from federation.proclaimed import ProclaimedList

from . import signin
from .console import alerts, audit, network, noc, persons, requests, vehicles
from .public import access as public_access
from .public import missing_pages, proclaimed_pages
from .public import noc as public_noc
from .session import Sessions, load_key

# sign-in attempts per address per minute (each costs an scrypt hash)
SIGNIN_RATE_PER_MINUTE = 10


def install(app: FastAPI) -> OfficerAccounts:
    """Mount the pages on an API app; returns the officer accounts store (the caller closes
    it)."""
    settings: Settings = app.state.settings
    accounts = OfficerAccounts(app.state.state.auth, migrate=app.state.state.migrate)
    app.state.officer_accounts = accounts
    app.state.authorization_codes = AuthorizationCodes(
        app.state.state.auth, migrate=app.state.state.migrate
    )
    app.state.web_sessions = Sessions(load_key(settings.auth.keys_dir))
    app.state.signin_limit = TokenBucket(SIGNIN_RATE_PER_MINUTE)
    app.state.proclaimed = ProclaimedList(app.state.backend)
    app.state.public_limit = TokenBucket(public_access.PUBLIC_RATE_PER_MINUTE)
    for module in (
        signin,
        persons,
        network,
        vehicles,
        noc,
        audit,
        alerts,
        requests,
        public_noc,
        missing_pages,
        proclaimed_pages,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(files("web") / "static")), name="static")
    return accounts


def create_app(settings: Settings, **kwargs: Any) -> FastAPI:
    app = create_api(settings, **kwargs)
    install(app)
    return app


def app_from_environment() -> FastAPI:
    """uvicorn factory (`icjs serve --workers N`)."""
    from api import logs
    from config import load_settings
    from config.runtime import tune_gc

    tune_gc()
    logs.configure(json=os.environ.get("ICJS_LOG_JSON") == "1")
    return settling_collector(create_app(load_settings()))
