"""Typed application keys: everything the app factory puts on the app."""

from aiohttp import web

from gateway.settings import Settings
from resolvers.clock import Clock
from resolvers.upstreams import Upstream
from storage.engine import Database

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
UPSTREAMS: web.AppKey[tuple[Upstream, ...]] = web.AppKey("upstreams")
