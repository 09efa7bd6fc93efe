"""What the staged, swapped-in write of a design costs next to writing its files in place one by one.

Run: `.venv/bin/python benchmarks/bench_output.py [--runs N]`. Prints a Markdown table (for results.md).
The design is the builtin model's design of examples/briefs/online-shop.yaml; "in place" is what
`write_design` did before the staging directory (each file atomically into the target, then the manifest).
Rendering is left out of both (the files are rendered once); the staged figure includes the checks made
before the run (free space, a person's files with our names) and the clean-up of what a killed run left.
The person's files are small text files in nested folders, carried over by hard link.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from backend_architect.design.agent import run_design
from backend_architect.design.events import RunFinished
from backend_architect.design.staging import MAX_CARRIED
from backend_architect.design.output import prepare, render_files, safe_relative_path, write_atomic, write_design
from backend_architect.inputs.brief import load_brief
from backend_architect.inputs.knowledge import load_knowledge
from backend_architect.inputs.prompts import load_persona
from backend_architect.llm import make_client
from backend_architect.llm.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def shop_design():  # type: ignore[no-untyped-def]
    knowledge = load_knowledge()

    async def go():  # type: ignore[no-untyped-def]
        client = make_client(Settings(model="builtin"), knowledge=knowledge)
        try:
            async for event in run_design(load_brief(ROOT / "examples/briefs/online-shop.yaml").brief, client=client,
                                          model="builtin", persona=load_persona(), knowledge=knowledge, builtin=True):
                if isinstance(event, RunFinished):
                    return event.design
        finally:
            await client.close()

    return asyncio.run(go())


def in_place(directory: Path, files: list[tuple[str, str, str]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content, _ in files:
        path = safe_relative_path(directory, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, content)


def staged(directory: Path, files: list[tuple[str, str, str]]) -> None:
    run = prepare(directory)
    run.commit(files)
    run.discard()


def person_files(directory: Path, count: int) -> None:
    for i in range(count):
        path = directory / "notes" / f"d{i // 100}" / f"note-{i}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"note {i}\n")


def timed(setup: Callable[[Path], None], act: Callable[[Path], None], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "out"
            setup(target)
            start = time.perf_counter()
            act(target)
            samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    design = shop_design()
    files = render_files(design)
    size = sum(len(c.encode()) for _, c, _ in files)

    def earlier(extra: int) -> Callable[[Path], None]:
        def setup(target: Path) -> None:
            write_design(target, design)
            person_files(target, extra)
        return setup

    rows = [
        ("new directory, in place (before)", timed(lambda t: None, lambda t: in_place(t, files), args.runs)),
        ("new directory, staged and swapped", timed(lambda t: None, lambda t: staged(t, files), args.runs)),
        ("over an earlier design, in place (before)", timed(earlier(0), lambda t: in_place(t, files), args.runs)),
        ("over an earlier design, staged and swapped", timed(earlier(0), lambda t: staged(t, files), args.runs)),
    ]
    for extra in (1_000, 10_000):  # 10,000 is over MAX_CARRIED: moved in one by one, no swap
        how = "staged and swapped" if extra <= MAX_CARRIED else "staged, moved in one by one (over MAX_CARRIED)"
        rows.append((f"over an earlier design + {extra:,} person's files, {how}",
                     timed(earlier(extra), lambda t: staged(t, files), args.runs)))
    print(f"# Writing a design: staged and swapped in, against in place\n\n{len(files)} files, {size / 1e3:.0f} kB "
          f"(online-shop, builtin model); {args.runs} runs each, CPython {platform.python_version()}, "
          f"{shutil.disk_usage('/').total // 2**30} GB disk, a 2-CPU machine shared with other work (noisy).\n")
    print("| write | median ms | min ms | max ms |\n| --- | ---: | ---: | ---: |")
    for label, samples in rows:
        print(f"| {label} | {statistics.median(samples) * 1e3:.1f} | {min(samples) * 1e3:.1f} | "
              f"{max(samples) * 1e3:.1f} |")


if __name__ == "__main__":
    main()
