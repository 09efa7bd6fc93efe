"""What every command shares: exit codes and the one way to fail with a message."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "fail"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def fail(console: Console, message: str, code: int) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code)
