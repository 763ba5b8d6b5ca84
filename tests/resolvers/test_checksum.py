"""The statistics sum, against the test vectors of docs/formats.md §1.3."""

import pytest

from resolvers.checksum import statistics_sum
from tests.statistics_samples import FRESH_SUM, fresh_document

FIELDS = ("instanceId", "users", "featureToggles", "projects", "roles", "groups")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            ("test-static", 0, 1, 2, 6, 0, 2, 0),
            "13399adbb553c360f4c9ac1ea889cd2b89804e5ac498da8b4e3de2ef90649dd9",
        ),
        (
            ("ed3861ae-78f9-4e8c-8e57-b57efc15f82b", 10, 29, 4, 5, 3, 2, 2),
            "870713138cab0715380f18140d7923290021a3d6e1389c0e6eec78cba2472786",
        ),
    ],
)
def test_contract_vectors(values: tuple[object, ...], expected: str) -> None:
    names = (*FIELDS, "environments", "segments")
    assert statistics_sum(dict(zip(names, values, strict=True))) == expected


def test_the_real_fresh_instance_sum_starts_as_unleash_served_it() -> None:
    # a real Unleash 8.2.0 served this document with a sum starting "50b86fef...".
    assert FRESH_SUM.startswith("50b86fef")
    assert statistics_sum(fresh_document()) == FRESH_SUM
