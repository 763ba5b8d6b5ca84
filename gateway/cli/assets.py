"""``gateway assets``: the browser files of GraphiQL and the dashboard."""

import click

from gateway import assets


@click.group("assets")
def assets_group() -> None:
    """Manage the browser files of GraphiQL and the dashboard (from npm, never committed)."""


@assets_group.command("install")
@click.option(
    "--npm",
    default="npm",
    show_default=True,
    help="The npm executable to fetch the pinned packages with.",
)
def assets_install(npm: str) -> None:
    """Fetch the pinned GraphiQL, React, React DOM and uPlot builds (works offline after)."""
    try:
        written = assets.install(npm=npm, echo=lambda line: click.echo(line, err=True))
    except assets.AssetsError as exc:
        raise click.ClickException(str(exc)) from None
    versions = ", ".join(f"{name} {v}" for name, v in assets.pinned_versions().items())
    click.echo(f"{len(written)} files from {versions} in {assets.VENDOR_DIR}")
