"""Typed application keys: everything the app factory puts on the app."""

from pathlib import Path

from aiohttp import web

from gateway.settings import Settings
from resolvers.clock import Clock
from resolvers.database import Database, Generations
from resolvers.upstreams import Upstream

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
# Made before the workers fork, so that a write through one worker reaches every cache.
GENERATIONS = web.AppKey("generations", Generations)
UPSTREAMS: web.AppKey[tuple[Upstream, ...]] = web.AppKey("upstreams")
# Where GraphiQL's vendored browser files are (gateway.assets.VENDOR_DIR unless a test says).
GRAPHIQL_ASSETS = web.AppKey("graphiql_assets", Path)
# Where the dashboard's vendored chart library is (gateway.assets.VENDOR_DIR unless a test says).
DASHBOARD_ASSETS = web.AppKey("dashboard_assets", Path)
