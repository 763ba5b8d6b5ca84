"""The toggles served to Unleash SDKs at /api/client/features, from a JSON file."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class FeatureSet:
    """The toggles served to SDKs at /api/client/features, in Unleash's version-2 format."""

    features: tuple[dict[str, Any], ...]

    def document(self, project: str | None = None) -> dict[str, Any]:
        """Return the features response, optionally only one project's toggles."""
        features = [
            f for f in self.features if project is None or f.get("project", "default") == project
        ]
        return {"version": 2, "features": features}


EMPTY = FeatureSet(())


def parse_features(text: str, *, source: str) -> FeatureSet:
    """Return the toggles of a features file (``{"features": [...]}`` or a bare array)."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    features = payload.get("features") if isinstance(payload, dict) else payload
    if not isinstance(features, list):
        raise ValueError(f'{source} must be a JSON object with a "features" array, or an array')
    for n, feature in enumerate(features):
        if not isinstance(feature, dict) or not isinstance(feature.get("name"), str):
            raise ValueError(f'{source}: feature {n} must be an object with a "name"')
    return FeatureSet(tuple(features))


def read_features(path: str | None) -> FeatureSet:
    """Return the toggles of the features file at ``path`` (none without a path)."""
    if not path:
        return EMPTY
    return parse_features(Path(path).read_text(encoding="utf-8"), source=path)
