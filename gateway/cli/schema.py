"""``gateway export-schema``: the GraphQL schema in SDL."""

import click

from schema.build import sdl


@click.command("export-schema")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="File to write (default: standard output).",
)
def export_schema(output: str | None) -> None:
    """Write the GraphQL schema in SDL (the committed schema.graphql must equal it)."""
    text = sdl()
    if output is None:
        click.echo(text, nl=False)
    else:
        with open(output, "w", encoding="utf-8") as file:
            file.write(text)
        click.echo(f"Schema written to {output}.", err=True)
