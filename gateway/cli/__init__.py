"""The ``gateway`` command: serve, migrate, seed, tokens, import, prune, backup, assets."""

import sys
from typing import Any

import click

from gateway.cli.assets import assets_group
from gateway.cli.demo import seed
from gateway.cli.imports import import_group
from gateway.cli.maintenance import backup, prune
from gateway.cli.schema import export_schema
from gateway.cli.serve import migrate_command, serve
from gateway.cli.tokens import tokens_group


class OneLineGroup(click.Group):
    """A group whose usage errors are one line (with the --help hint), exit code 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "gateway"
            click.echo(f"Error: {exc.format_message()} (see {where} --help)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=OneLineGroup)
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
    prune,
    backup,
    assets_group,
):
    main.add_command(command)
