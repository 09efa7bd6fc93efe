"""Which findings a review reports: `--severity`, `--rule`/`--skip-rule`, and a repository's
`.backend-architect.toml`, the way Spectral (`.spectral.yaml`) and squawk (`.squawk.toml`) users set them:

    [review]
    skip-rules = ["api-problem-json", "data-index-*"]   # ids or globs
    rules = ["api-*"]                                   # only these (optional)
    severity = "warning"                                # and worse

The file is looked for from the working directory up to the repository root (the first directory
holding `.git`). Command-line options add to it: `--skip-rule` skips more, `--rule` and `--severity`
replace its values. An id or glob that names no rule is an error, so a typo does not silently pass.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine import SEVERITY_ORDER, Finding

__all__ = ["CONFIG_NAME", "FilterError", "Filters", "find_config", "load_config"]

CONFIG_NAME = ".backend-architect.toml"
# Findings about the inputs themselves: reported whatever the filters say, or a skipped file would look clean.
ALWAYS = ("input-unparsable",)


class FilterError(Exception):
    pass


def find_config(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def load_config(path: Path | None) -> dict[str, Any]:
    """The `[review]` table of the settings file (`path`, or the nearest one); {} when there is none."""
    import tomllib

    path = path or find_config()
    if path is None:
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FilterError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FilterError(f"{path}: not valid TOML: {exc}") from None
    section = document.get("review", {})
    if not isinstance(section, dict):
        raise FilterError(f"{path}: [review] must be a table")
    unknown = set(section) - {"rules", "skip-rules", "severity"}
    if unknown:
        raise FilterError(f"{path}: unknown setting(s) in [review]: {', '.join(sorted(unknown))} "
                          "(known: rules, skip-rules, severity)")
    for key in ("rules", "skip-rules"):
        value = section.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise FilterError(f"{path}: [review] {key} must be a list of rule ids or globs")
    section["source"] = str(path)
    return section


def _known_ids() -> set[str]:
    from . import all_rules
    from .sarif import EXTRA_RULES

    return {r.id for r in all_rules()} | {rule_id for rule_id, _, _ in EXTRA_RULES}


def _expand(patterns: list[str], known: set[str], where: str) -> set[str]:
    out: set[str] = set()
    for pattern in patterns:
        matched = set(fnmatch.filter(known, pattern))
        if not matched:
            raise FilterError(f"{where}: {pattern!r} names no rule (see `review --list-rules`)")
        out |= matched
    return out


@dataclass
class Filters:
    minimum: int = SEVERITY_ORDER["info"]
    only: set[str] | None = None
    skip: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, settings: dict[str, Any], *, severity: str | None, rules: list[str], skip: list[str]) -> Filters:
        source = settings.get("source", CONFIG_NAME)
        level = severity or settings.get("severity") or "info"
        if level not in SEVERITY_ORDER:
            raise FilterError(f"{source}: severity must be error, warning or info, not {level!r}")
        if not (rules or skip or settings.get("rules") or settings.get("skip-rules")):
            return cls(SEVERITY_ORDER[level])
        known = _known_ids()
        only = _expand(rules, known, "--rule") if rules else (
            _expand(settings["rules"], known, source) if settings.get("rules") else None)
        skipped = _expand(skip, known, "--skip-rule") | _expand(settings.get("skip-rules", []), known, source)
        return cls(SEVERITY_ORDER[level], only, skipped)

    def keeps(self, finding: Finding) -> bool:
        if finding.rule_id in ALWAYS:
            return True
        if SEVERITY_ORDER[finding.severity] > self.minimum or finding.rule_id in self.skip:
            return False
        return self.only is None or finding.rule_id in self.only

    def apply(self, findings: list[Finding]) -> list[Finding]:
        return [f for f in findings if self.keeps(f)]
