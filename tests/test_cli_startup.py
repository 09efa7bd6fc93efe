"""Start-up of the command line: a command's module is imported when it runs, and plain values convert
without pydantic, to the same values and the same errors as typer's own conversion."""

from __future__ import annotations

import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from backend_architect.cli.app import app
from backend_architect.cli.convert import convert_plainly

from .conftest import EXAMPLES

FIXTURE = Path(__file__).parent / "fixtures" / "openapi" / "petstore.yaml"


def test_a_small_review_imports_neither_pydantic_nor_rich_nor_the_other_commands() -> None:
    code = ("import sys\nsys.argv = ['backend-architect', 'review', sys.argv[1], '--format', 'json']\n"
            "from backend_architect.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = ('pydantic', 'rich', 'backend_architect.cli.design', 'backend_architect.cli.eval', 'openai')\n"
            "print(sorted(m for m in sys.modules if m.startswith(heavy)), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code, str(FIXTURE)], capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("{"), done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_help_lists_every_command_in_order() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=100)
    assert result.exit_code == 0
    commands = result.output[result.output.index("Commands"):]
    rows = [line[2:].split(" ")[0] for line in commands.splitlines()[1:] if line[2:3].isalpha()]
    assert rows == ["models", "doctor", "chat", "sessions", "design", "review",
                    "verify", "eval"], result.output


def test_a_mistyped_lazy_command_is_suggested() -> None:
    result = CliRunner().invoke(app, ["revew"])
    assert result.exit_code == 2
    assert "Did you mean 'review'" in result.output


def test_lazy_commands_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["design", str(EXAMPLES / "url-shortener.yaml"), "-o", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["review", str(tmp_path / "d"), "--format", "json"])
    assert result.exit_code in (0, 1) and result.stdout.startswith("{")


class Colour(str, Enum):
    red = "red"
    green = "green"


class _Plain(TyperGroup):
    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        convert_plainly([*command.params, command.get_help_option(ctx)])
        return command


def _command(convert: bool) -> typer.Typer:
    seen: dict[str, Any] = {}
    cli = typer.Typer(cls=_Plain if convert else TyperGroup)

    @cli.command()
    def run(paths: Optional[list[Path]] = typer.Argument(None), colour: Colour = Colour.red,
            name: str = "x", tags: Optional[list[str]] = typer.Option(None, "--tag"),
            where: Optional[Path] = typer.Option(None, exists=True), count: int = typer.Option(1, min=1)) -> None:
        seen.update(paths=paths, colour=colour, name=name, tags=tags, where=where, count=count)
        typer.echo(repr(seen))

    @cli.command()
    def other() -> None:
        pass

    return cli


@pytest.mark.parametrize("args", [
    ["run"], ["run", "a", "b/c", "--colour", "green", "--name", "y", "--tag", "t1", "--tag", "t2", "--count", "3"],
    ["run", "--colour", "blue"], ["run", "--colour", "GREEN"], ["run", "--where", "/nonexistent/x"],
    ["run", "--where", str(FIXTURE)], ["run", "--count", "0"], ["run", "--count", "x"], ["run", ""],
])
def test_plain_conversion_gives_typers_values_and_errors(args: list[str]) -> None:
    runner = CliRunner()
    typer_own = runner.invoke(_command(False), args, terminal_width=100)
    plain = runner.invoke(_command(True), args, terminal_width=100)
    assert (plain.exit_code, plain.output) == (typer_own.exit_code, typer_own.output)


def test_only_what_the_plain_conversion_refuses_reaches_typers_adapters(monkeypatch: pytest.MonkeyPatch) -> None:
    from backend_architect.cli import convert

    built: list[Any] = []
    real = convert.build_runtime_param
    monkeypatch.setattr(convert, "build_runtime_param", lambda d: built.append(d.annotation) or real(d))
    result = CliRunner().invoke(_command(True), ["run", "a", "--colour", "green", "--name", "y", "--tag", "t"])
    assert result.exit_code == 0, result.output
    assert built == [int]  # --count: a number with bounds is typer's to check
