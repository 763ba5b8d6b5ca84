"""Browser assets (GraphiQL's, the dashboard's charts): pinned npm packages fetched on demand.

The files are never committed. npm fetches each pinned tarball from the registry (no install,
no scripts); we check it against the registry's sha512 pinned here and copy out only the
browser-ready (UMD) builds and their licences. GraphiQL 3.x is the last major with a UMD
bundle, and it embeds graphql and graphql-ws, so React is its only other need. The dashboard
draws its charts with uPlot (small, no dependencies, fast on 100k-point series), served as the
ES module it ships.
"""

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

INSTALL_COMMAND = "gateway assets install"
VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
# Written last: its presence with the pinned versions means the install is complete.
MANIFEST = "versions.json"
NPM_TIMEOUT_S = 300


@dataclass(frozen=True, slots=True)
class Package:
    """One npm package: its pinned version and tarball digest, and the files we serve."""

    name: str
    version: str
    integrity: str
    files: Mapping[str, str]  # served name -> path inside the tarball


PACKAGES = (
    Package(
        "react",
        "18.3.1",
        "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
        {
            "react.production.min.js": "package/umd/react.production.min.js",
            "react.LICENSE.txt": "package/LICENSE",
        },
    ),
    Package(
        "react-dom",
        "18.3.1",
        "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
        {
            "react-dom.production.min.js": "package/umd/react-dom.production.min.js",
            "react-dom.LICENSE.txt": "package/LICENSE",
        },
    ),
    Package(
        "graphiql",
        "3.9.0",
        "sha512-rJYFlHdBbug9+YbFSwRVvgfPjCayC7wHecZkx/qB4XLuQPFQZw/yB9pmHFtOJV6RiNBBHro3u1GdocKa3YcGRA==",
        {
            "graphiql.min.js": "package/graphiql.min.js",
            "graphiql.min.css": "package/graphiql.min.css",
            "graphiql.LICENSE.txt": "package/LICENSE",
        },
    ),
    Package(
        "uplot",
        "1.6.32",
        "sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw==",
        {
            "uPlot.esm.js": "package/dist/uPlot.esm.js",
            "uPlot.min.css": "package/dist/uPlot.min.css",
            "uPlot.LICENSE.txt": "package/LICENSE",
        },
    ),
)


class AssetsError(Exception):
    """Fetching the assets failed; the message says why in one line."""


def pinned_versions() -> dict[str, str]:
    """Return package name -> pinned version."""
    return {p.name: p.version for p in PACKAGES}


def file_names() -> frozenset[str]:
    """Return the names of every vendored file (all that the asset route serves)."""
    return frozenset(name for p in PACKAGES for name in p.files)


def is_installed(vendor_dir: Path = VENDOR_DIR) -> bool:
    """Return whether the pinned versions of every file are in ``vendor_dir``."""
    try:
        installed = json.loads((vendor_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return installed == pinned_versions() and all((vendor_dir / n).is_file() for n in file_names())


def sri(data: bytes) -> str:
    """Return the npm/SRI sha512 digest of ``data``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def install(
    vendor_dir: Path = VENDOR_DIR,
    *,
    npm: str = "npm",
    echo: Callable[[str], None] = lambda _: None,
) -> list[Path]:
    """Fetch the pinned packages with npm into ``vendor_dir``; return the files written."""
    if shutil.which(npm) is None:
        raise AssetsError(f"{npm!r} not found: install Node.js with npm, then run this again")
    with tempfile.TemporaryDirectory(prefix="gateway-assets-") as tmp:
        tarballs = _pack(Path(tmp), npm=npm, echo=echo)
        for package, tarball in zip(PACKAGES, tarballs, strict=True):
            _verify(tarball, package)
        vendor_dir.mkdir(parents=True, exist_ok=True)
        (vendor_dir / MANIFEST).unlink(missing_ok=True)
        written = [
            path
            for package, tarball in zip(PACKAGES, tarballs, strict=True)
            for path in _extract(tarball, package, vendor_dir)
        ]
    (vendor_dir / MANIFEST).write_text(json.dumps(pinned_versions(), indent=2) + "\n")
    return written


def _pack(workdir: Path, *, npm: str, echo: Callable[[str], None]) -> list[Path]:
    specs = [f"{p.name}@{p.version}" for p in PACKAGES]
    echo(f"npm pack {' '.join(specs)}")
    try:
        result = subprocess.run(
            [npm, "pack", *specs, "--json", "--ignore-scripts", "--pack-destination", workdir],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise AssetsError(f"npm pack took longer than {NPM_TIMEOUT_S} s") from None
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise AssetsError(f"npm pack failed (exit {result.returncode}):\n{tail}")
    try:
        tarballs = [workdir / entry["filename"] for entry in json.loads(result.stdout)]
    except (ValueError, KeyError, TypeError):
        tarballs = []
    if len(tarballs) != len(PACKAGES):
        raise AssetsError(f"unexpected npm pack output: {result.stdout[:200]!r}")
    return tarballs


def _verify(tarball: Path, package: Package) -> None:
    digest = sri(tarball.read_bytes())
    if digest != package.integrity:
        raise AssetsError(
            f"{package.name}@{package.version}: tarball digest {digest} "
            f"is not the pinned {package.integrity}"
        )


def _extract(tarball: Path, package: Package, vendor_dir: Path) -> list[Path]:
    written = []
    with tarfile.open(tarball, "r:gz") as archive:
        for name, member in package.files.items():
            try:
                source = archive.extractfile(member)
            except KeyError:
                source = None
            if source is None:
                raise AssetsError(f"{package.name}@{package.version} has no file {member}")
            target = vendor_dir / name
            partial = target.with_name(target.name + ".partial")
            partial.write_bytes(source.read())
            partial.replace(target)
            written.append(target)
    return written
