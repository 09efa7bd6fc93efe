"""One `design` run against a real model, recorded as it happens, with the figures results.md reports.

    python benchmarks/real_model_run.py BRIEF --base-url URL --model NAME --record OUT.jsonl [--timeout S]

Every request and answer is appended to the recording (flushed) the moment it happens, so a killed run
still leaves what it received; the recording replays through the real client in
tests/test_real_model_replay.py. The figures (turns, repairs per accepted artifact, tokens per
request, wall time) are printed as one JSON line at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


async def run(args: argparse.Namespace) -> dict:
    from backend_architect.design.agent import Budgets, run_design
    from backend_architect.design.events import ArtifactAccepted, ModelRequested, ModelResponded, RunFailed, \
        RunFinished, ToolCalled
    from backend_architect.inputs.brief import load_brief
    from backend_architect.inputs.knowledge import load_knowledge
    from backend_architect.inputs.prompts import load_persona
    from backend_architect.llm import make_client
    from backend_architect.llm.client import retry_policy
    from backend_architect.llm.config import resolve_settings
    from backend_architect.llm.profiles import resolve_profile
    from backend_architect.llm.transcript import Transcript

    out = open(args.record, "w", encoding="utf-8")

    class Appending(Transcript):
        def record(self, kind, turn, body):  # type: ignore[no-untyped-def]
            super().record(kind, turn, body)
            out.write(self.lines[-1] + "\n")
            out.flush()

    settings = resolve_settings(model=args.model, base_url=args.base_url, structured_output=args.structured_output,
                                env={"OPENAI_API_KEY": "no-key"})
    settings = type(settings)(**{**settings.__dict__, "timeout": args.timeout, "deadline": args.timeout * 2,
                                 "max_attempts": 2})
    knowledge = load_knowledge()
    client = make_client(settings, knowledge=knowledge)
    started = time.monotonic()
    figures: dict = {"brief": Path(args.brief).name, "requests": [], "tools": []}
    final = None
    async for event in run_design(load_brief(args.brief).brief, client=client, model=settings.model,
                                  persona=load_persona(), knowledge=knowledge, transcript=Appending(),
                                  budgets=Budgets(max_turns=args.max_turns, max_repairs_per_tool=args.max_repairs), retry=retry_policy(settings),
                                  profile=resolve_profile(settings.model, settings.structured_output),
                                  base_url=settings.base_url):
        at = f"[{time.monotonic() - started:7.1f} s]"
        if isinstance(event, ModelRequested):
            print(f"{at} turn {event.turn} ({event.phase}): request sent", flush=True)
        elif isinstance(event, ModelResponded):
            figures["requests"].append({"prompt": event.prompt_tokens, "completion": event.completion_tokens,
                                        "seconds": round(event.seconds, 1), "calls": event.tool_calls})
            print(f"{at} turn {event.turn}: answered in {event.seconds:.0f} s, {event.prompt_tokens} in, "
                  f"{event.completion_tokens} out, calls {event.tool_calls} {event.text[:200]!r}", flush=True)
        elif isinstance(event, ToolCalled):
            figures["tools"].append({"name": event.name, "ok": event.ok})
            print(f"{at} {event.name}: {'ok' if event.ok else 'needs repair'}: {event.summary} "
                  f"{event.errors[:4]}", flush=True)
        elif isinstance(event, ArtifactAccepted):
            pass
        elif isinstance(event, (RunFinished, RunFailed)):
            final = event
    await client.close()
    out.close()
    design = final.design
    if args.out:  # the design's files, as `design -o` writes them, to read the model's work as an expert would
        from backend_architect.design.output import write_design

        write_design(Path(args.out), design)
    accepted = [t for t in figures["tools"] if t["ok"] and t["name"] != "search_knowledge"]
    failed = [t for t in figures["tools"] if not t["ok"]]
    figures.update(status=design.status, failure=getattr(final, "reason", None),
                   wall_seconds=round(time.monotonic() - started, 1), turns=len(figures["requests"]),
                   accepted=len(accepted), repairs=len(failed),
                   repairs_per_accepted=round(len(failed) / len(accepted), 2) if accepted else None,
                   artifacts=[k for k in ("database_schema", "api_specification", "microservices", "capacity",
                                          "performance") if getattr(design, k) is not None],
                   usage=final.usage.as_dict())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("brief")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--record", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--out", help="write the design's files to this folder")
    parser.add_argument("--max-turns", type=int, default=24)
    parser.add_argument("--structured-output", default=None)
    parser.add_argument("--max-repairs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))), flush=True)


if __name__ == "__main__":
    main()
