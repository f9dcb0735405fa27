"""The `profiles names` command: the organization registry, reported for curators.

Kept beside `cli.py` (which registers it with `add_registry_commands`); the work is in
`registry.py`.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the registry (and the spaCy stages it imports) loads with the command, not with `profiles`
    from pipeline.registry import Entry, Pair, Registry

Command = Callable[..., argparse.ArgumentParser]


def cmd_names(args: argparse.Namespace) -> int:
    """Report the organization registry for curators: clusters, merge evidence, pairs to review.

    Clusters are the organizations known by more than one name, each merge with its rule
    and score; uncertain pairs are similar names that were not merged, most similar first,
    each with the line to add to decisions.yaml (under `same:` or `different:`). The
    registry is rebuilt from the records and the decisions as `profiles extract` builds it:
    edit registry/decisions.yaml, check with `profiles names`, then run `profiles extract`.

    example: profiles names --records extracted --registry registry
    example: profiles names --json > names.json
    """
    from pipeline.registry import DECISIONS, DecisionsError, build_registry, load_decisions, mentions_of
    from pipeline.review import ReviewError, load_run

    registry_dir = args.registry or Path("registry")
    try:
        profiles, _ = load_run(args.records)
        decisions = load_decisions(registry_dir / DECISIONS)
    except (ReviewError, DecisionsError) as err:
        print(f"profiles names: {err}", file=sys.stderr)
        return 2
    registry = build_registry(mentions_of(profiles), decisions)
    if args.json:
        print(json.dumps(names_report(registry), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(names_text(registry, registry_dir / DECISIONS))
    return 0


def _clusters(registry: Registry) -> list[Entry]:
    """Entries known by more than one name: aliases, or mentions joined by a rule."""
    return [e for e in registry.entries if e.aliases or any(m.rule != "profile.alias" for m in e.merges)]


def decision_line(pair: Pair) -> str:
    """The YAML list item to add under `same:` or `different:` in decisions.yaml."""
    return "- " + json.dumps([pair.a, pair.b], ensure_ascii=False)


def names_report(registry: Registry) -> dict[str, Any]:
    """The report as JSON: counts, clusters (entries with more than one name), uncertain pairs, problems."""
    clusters = _clusters(registry)
    return {
        "counts": {"organizations": len(registry.entries), "clusters": len(clusters),
                   "uncertain": len(registry.uncertain)},
        "clusters": [e.to_json() for e in clusters],
        "uncertain": [{"a": {"id": p.a_id, "name": p.a}, "b": {"id": p.b_id, "name": p.b}, "score": p.score,
                       "reason": p.reason, "decision_line": decision_line(p)} for p in registry.uncertain],
        "problems": registry.problems,
    }


def names_text(registry: Registry, decisions: Path) -> str:
    """The report for a person: clusters with their merges, then the pairs to review."""
    clusters = _clusters(registry)
    out = [f"{len(registry.entries)} organizations, {len(clusters)} known by more than one name, "
           f"{len(registry.uncertain)} uncertain pairs", ""]
    if registry.problems:
        out += [f"Decisions not applied ({decisions}):"] + [f"  {p}" for p in registry.problems] + [""]
    if clusters:
        out.append("Clusters")
    for e in clusters:
        head = f"{e.name} ({e.acronym})" if e.acronym else e.name
        out.append(f"  {e.id}  {head}" + (f"  [{e.country}]" if e.country else "")
                   + (f"  profile: {', '.join(e.profiles)}" if e.profiles else ""))
        if e.aliases:
            out.append(f"    also: {'; '.join(e.aliases)}")
        for m in e.merges:
            if m.rule != "profile.alias":  # the profile's own aliases: its record is the evidence
                out.append(f"    {m.score:.2f}  {m.rule:<20}  {m.a!r} = {m.b!r}")
    if registry.uncertain:
        out += ["", f"Uncertain pairs, most similar first (answer in {decisions})"]
    for p in registry.uncertain:
        out.append(f"  {p.score:.2f}  {p.a!r} [{p.a_id}] ~ {p.b!r} [{p.b_id}]: {p.reason}")
        out.append(f"        add under same: or different:  {decision_line(p)}")
    return "\n".join(out) + "\n"


def report_registry(registry: Registry | None, directory: Path | None) -> None:
    """The extract summary's registry line (stderr), and decisions that could not be applied."""
    if registry is None:
        return
    where = f"-> {directory / 'organizations.json'}" if directory else "(not written: give --registry DIR)"
    print(f"registry: {len(registry.entries)} organizations {where}; pairs to review: profiles names",
          file=sys.stderr)
    for problem in registry.problems:
        print(f"  decision not applied: {problem}", file=sys.stderr)


def add_registry_commands(command: Command) -> None:
    """Register `names` with the `profiles` parser (`command` is cli.py's helper)."""
    p = command("names", cmd_names, "report the organization registry: clusters, merges, pairs to review")
    p.add_argument("--records", type=Path, default=Path("extracted"), metavar="DIR",
                   help="output directory of `profiles extract` (default: extracted/)")
    p.add_argument("--registry", type=Path, metavar="DIR",
                   help="where decisions.yaml is (default: registry/)")
    p.add_argument("--json", action="store_true", help="the report as JSON, for machines")
