"""Tokens per request of a design run, for every example brief, counted by a real tokenizer.

The conversation is driven by the builtin model (so the requests carry realistic artifacts and tool
results); each request the loop sends is then rendered by a llama.cpp server's own chat template
(`/apply-template`, with the tools, as the model sees them) and counted by its tokenizer (`/tokenize`).
No model is run: nothing here waits on prefill.

    python benchmarks/prompt_tokens.py http://127.0.0.1:PORT [--structured-output text] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def count(server: str, request: dict) -> int:
    body = {"messages": request["messages"]}
    if request.get("tools"):
        body["tools"] = request["tools"]
    prompt = httpx.post(f"{server}/apply-template", json=body, timeout=60).json()["prompt"]
    return len(httpx.post(f"{server}/tokenize", json={"content": prompt}, timeout=60).json()["tokens"])


async def requests_of(brief_path: Path, mode: str | None) -> list[dict]:
    from backend_architect.design.agent import run_design
    from backend_architect.inputs.brief import load_brief
    from backend_architect.inputs.knowledge import load_knowledge
    from backend_architect.inputs.prompts import load_persona
    from backend_architect.llm import make_client
    from backend_architect.llm.config import resolve_settings
    from backend_architect.llm.profiles import resolve_profile
    from backend_architect.llm.transcript import Transcript

    knowledge = load_knowledge()
    settings = resolve_settings(model="builtin", env={})
    client = make_client(settings, knowledge=knowledge)
    transcript = Transcript()
    async for _ in run_design(load_brief(str(brief_path)).brief, client=client, model="builtin",
                              persona=load_persona(), knowledge=knowledge, transcript=transcript, builtin=True,
                              profile=resolve_profile("builtin", mode)):
        pass
    await client.close()
    return [json.loads(line)["body"] for line in transcript.lines if json.loads(line)["type"] == "request"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("server", help="a llama.cpp server's root URL (no /v1)")
    parser.add_argument("--structured-output", default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    server = args.server.removesuffix("/").removesuffix("/v1")
    table = {}
    for brief in sorted((ROOT / "examples" / "briefs").iterdir()):
        sent = asyncio.run(requests_of(brief, args.structured_output))
        counts = [count(server, r) for r in sent]
        sizes = [len(json.dumps(r)) for r in sent]
        table[brief.name] = {"tokens": counts, "bytes": sizes}
        print(f"{brief.name}: {len(counts)} requests; first {counts[0]} tokens; max {max(counts)}; "
              f"per request {counts}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
