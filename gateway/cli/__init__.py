"""The ``gateway`` command: serve, migrate, seed, tokens, import, assets, export-schema."""

import click

from gateway.cli.assets import assets_group
from gateway.cli.imports import import_group
from gateway.cli.schema import export_schema
from gateway.cli.serve import migrate_command, seed, serve
from gateway.cli.tokens import tokens_group


@click.group()
@click.version_option(package_name="usage-gateway")
def main() -> None:
    """Usage Gateway: feature-flag usage data over GraphQL and vendor-compatible REST."""


for command in (
    serve,
    migrate_command,
    seed,
    tokens_group,
    export_schema,
    import_group,
    assets_group,
):
    main.add_command(command)
