"""Fixtures of the attack tests: real gateway processes, never left running."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.attacks.serve import Gateway

GatewayFactory = Callable[..., Gateway]


@pytest.fixture
def gateways(tmp_path: Path) -> Iterator[GatewayFactory]:
    """Make ``gateway serve`` processes (database URL, log name, settings); all die at the end."""
    made: list[Gateway] = []

    def make(database_url: str, name: str, **settings: str) -> Gateway:
        gateway = Gateway(database_url, tmp_path / f"{name}.log", **settings)
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        gateway.kill()
