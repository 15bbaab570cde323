"""`aiposture` entry point. Each command lives in its own module and registers here."""

from __future__ import annotations

import sys

import click

from aiposture import __version__
from aiposture.errors import AiPostureError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="aiposture")
def cli() -> None:
    """aiposture: what AI runs in an Azure tenant, what is at risk, and how to fix it.

    Read-only. Exit codes: 0 scan completed; 1 --fail-on threshold reached; 2 usage or input
    error; 3 nothing could be read or collected.
    """


def _register() -> None:
    from aiposture.cli import rules_cmd, scan_cmd

    cli.add_command(scan_cmd.scan)
    cli.add_command(rules_cmd.rules)
    for name in ("synth_cmd", "live_cmd", "graph_cmd", "detect_cmd"):
        try:
            module = __import__(f"aiposture.cli.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"aiposture.cli.{name}":
                raise
            continue
        module.register(cli)


def main(argv: list[str] | None = None) -> None:
    _register()
    try:
        rv = cli.main(args=argv, prog_name="aiposture", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aiposture: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except AiPostureError as exc:
        click.echo(f"aiposture: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("aiposture: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(rv if isinstance(rv, int) else 0)
