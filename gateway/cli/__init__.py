"""The ``gateway`` command: serve, migrate, seed, tokens, import, prune, backup, assets."""

import importlib
import sys
from typing import Any

import click

# Command name -> "module:attribute". Commands load when used, so `gateway tokens list`
# does not pay for importing the web server and GraphQL (seconds on a small machine).
COMMANDS = {
    "serve": "gateway.cli.serve:serve",
    "migrate": "gateway.cli.serve:migrate_command",
    "seed": "gateway.cli.demo:seed",
    "tokens": "gateway.cli.tokens:tokens_group",
    "export-schema": "gateway.cli.schema:export_schema",
    "import": "gateway.cli.imports:import_group",
    "prune": "gateway.cli.maintenance:prune",
    "backup": "gateway.cli.maintenance:backup",
    "assets": "gateway.cli.assets:assets_group",
}


class OneLineGroup(click.Group):
    """A group of lazily loaded commands whose usage errors are one line, exit code 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

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
