"""The root command group: the commands that live in their own modules are imported when they run.

`review FILE` used to import `design`, `eval` and everything they name at start-up; now the group lists those
commands by name and builds one (from its module, through typer as before) when it is asked for: to run it,
or for its line in `--help`, which therefore still shows every command, in the same order.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from .convert import convert_plainly

if TYPE_CHECKING:
    import click

__all__ = ["LAZY_COMMANDS", "LazyGroup"]

# name -> (module of backend_architect.cli, what it holds: a command function, or a typer app to add as a group)
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "design": ("design", "design"),
    "review": ("review", "review"),
    "verify": ("review", "verify"),
    "eval": ("eval", "eval_app"),
}


def _build(name: str) -> click.Command:
    module_name, attr = LAZY_COMMANDS[name]
    target = getattr(importlib.import_module(f"{__package__}.{module_name}"), attr)
    holder = typer.Typer(add_completion=False)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    built: click.Command = typer.main.get_group(holder).commands[name]  # a group, even of one command
    return built


def _plainly(command: click.Command, ctx: click.Context) -> click.Command:
    """The command's parameters, its `--help` option (made once, with the names this context gives it: a
    subcommand's context inherits them) and its subcommands' convert plainly."""
    convert_plainly([*command.params, command.get_help_option(ctx)])
    for sub in getattr(command, "commands", {}).values():
        _plainly(sub, ctx)
    return command


class _Commands(MutableMapping[str, "click.Command"]):
    """The group's commands by name, in order: the built ones, then those of LAZY_COMMANDS, built when read.
    Every name is a key, so typer's "did you mean" suggestions and `--help` know them all."""

    def __init__(self, built: MutableMapping[str, click.Command]) -> None:
        self._built = dict(built)

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._built and name in LAZY_COMMANDS:
            self._built[name] = _build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._built
        yield from (n for n in LAZY_COMMANDS if n not in self._built)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class LazyGroup(TyperGroup):
    """A typer group whose commands of LAZY_COMMANDS are built on first use; parameters convert plainly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands)
        convert_plainly(self.params)  # the group's own options (--version)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # the names, without building the commands

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        return _plainly(command, ctx) if command is not None else None

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        convert_plainly([option])
        return option
