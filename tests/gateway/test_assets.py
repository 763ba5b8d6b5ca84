"""Fetching GraphiQL's assets: pinned digests are checked before anything is installed."""

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway import assets
from gateway.cli import main

# A stand-in for npm (the process edge): `npm pack SPEC... --pack-destination DIR` writes one
# tarball per spec holding every file we extract, with CONTENT instead of the real bytes.
FAKE_NPM = """\
#!{python}
import io, json, sys, tarfile
args = sys.argv[1:]
if {fail}:
    sys.exit("npm error 404 Not Found - GET https://registry.example/nope")
dest = args[args.index("--pack-destination") + 1]
out = []
for spec in [a for a in args[1:] if "@" in a]:
    name = spec.replace("/", "-").replace("@", "-") + ".tgz"
    with tarfile.open(f"{{dest}}/{{name}}", "w:gz") as archive:
        for member in {members!r}:
            data = b"CONTENT"
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    out.append({{"filename": name}})
print(json.dumps(out))
"""


def fake_npm(tmp_path: Path, *, fail: bool = False) -> str:
    members = sorted({m for p in assets.PACKAGES for m in p.files.values()})
    path = tmp_path / "npm"
    path.write_text(FAKE_NPM.format(python=sys.executable, fail=fail, members=members))
    path.chmod(0o755)
    return str(path)


def test_a_tarball_that_is_not_the_pinned_one_installs_nothing(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    with pytest.raises(assets.AssetsError, match=r"react@18\.3\.1: tarball digest sha512-"):
        assets.install(vendor, npm=fake_npm(tmp_path))
    assert not vendor.exists()
    assert not assets.is_installed(vendor)


def test_npm_failures_are_reported_in_one_message(tmp_path: Path) -> None:
    with pytest.raises(assets.AssetsError, match=r"npm pack failed \(exit 1\):\nnpm error 404"):
        assets.install(tmp_path, npm=fake_npm(tmp_path, fail=True))
    with pytest.raises(assets.AssetsError, match=r"not found: install Node\.js"):
        assets.install(tmp_path, npm=str(tmp_path / "no-npm"))


def test_the_cli_says_what_went_wrong(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["assets", "install", "--npm", str(tmp_path / "no-npm")])
    assert result.exit_code == 1
    assert "not found: install Node.js with npm" in result.output


def test_sri_is_npms_integrity_format() -> None:
    # `printf hello | openssl dgst -sha512 -binary | base64`
    assert assets.sri(b"hello") == (
        "sha512-m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9z"
        "vN7AQw=="
    )


def test_is_installed_needs_the_pinned_versions(tmp_path: Path) -> None:
    for name in assets.file_names():
        (tmp_path / name).write_text("x")
    assert not assets.is_installed(tmp_path)
    versions = assets.pinned_versions()
    (tmp_path / assets.MANIFEST).write_text(json.dumps(versions))
    assert assets.is_installed(tmp_path)
    (tmp_path / assets.MANIFEST).write_text(json.dumps({**versions, "graphiql": "3.0.0"}))
    assert not assets.is_installed(tmp_path)
