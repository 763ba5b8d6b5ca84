"""Unleash's renderings: JavaScript numbers and JSON, json2csv cells, Express downloads."""

import math

import pytest

from gateway.unleash.format import attachment, csv_text, js_json, js_number


@pytest.mark.parametrize(
    ("value", "javascript"),
    [
        # Each right-hand side is what node prints for String(value).
        (0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (2.25, "2.25"),
        (-2.5, "-2.5"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.2345678901234568e20, "123456789012345680000"),
        (0.000001, "0.000001"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (12345678901234567890, "12345678901234567890"),  # an int as received, kept whole
        (math.nan, "NaN"),
        (-math.inf, "-Infinity"),
    ],
)
def test_numbers_are_written_as_javascript_writes_them(value: float, javascript: str) -> None:
    assert js_number(value) == javascript


def test_json_is_json_stringify() -> None:
    value = {"a": [1.0, None, True, 'Zürich "q" \\ \t\u0001\u2028'], "b": {}, "c": math.inf}
    assert (
        js_json(value)
        == '{"a":[1,null,true,"Zürich \\"q\\" \\\\ \\t\\u0001\u2028"],"b":{},"c":null}'
    )


def test_csv_cells_follow_json2csv() -> None:
    document = {
        'we"ird': 'say "hi"\nbye',
        "n": 0.5,
        "t": True,
        "nothing": None,
        "nested": {"k": 'v"'},
        "list": [],
    }
    assert csv_text(document) == (
        '"we""ird","n","t","nothing","nested","list"\n'
        '"say ""hi""\nbye",0.5,true,,"{""k"":""v\\""""}","[]"'
    )


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("unleash-a-1.csv", 'attachment; filename="unleash-a-1.csv"'),
        ('unleash-"x"\\-1.csv', 'attachment; filename="unleash-\\"x\\"\\\\-1.csv"'),
        ("unleash-eu/west-1.csv", 'attachment; filename="west-1.csv"'),
        (
            "unleash-café (1)-1.csv",
            'attachment; filename="unleash-caf? (1)-1.csv"; '
            "filename*=UTF-8''unleash-caf%C3%A9%20%281%29-1.csv",
        ),
        ("a\r\nb.csv", "attachment; filename=\"a??b.csv\"; filename*=UTF-8''a%0D%0Ab.csv"),
    ],
)
def test_download_header_is_express_attachment(filename: str, header: str) -> None:
    assert attachment(filename) == header
