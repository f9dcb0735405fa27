"""The organization registry: variant spellings merged, near-misses kept apart, curators obeyed."""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import CORPUS, DATA, ROOT
from pipeline import registry as reg
from pipeline.cli import main
from pipeline.models import Partner, Profile
from pipeline.registry import (Decisions, DecisionsError, Mention, build_registry, link_partners, load_decisions,
                               mentions_of)

VARIANT_FILES = sorted((DATA / "registry").glob("*.yaml"))


def load_sets(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def profile_mention(record: str, p: dict[str, Any]) -> Mention:
    return Mention(record, "", p["name"], p.get("acronym"), tuple(p.get("aliases", [])), p.get("country"))


def side_mention(record: str, side: dict[str, Any]) -> Mention:
    """A near-miss side: a profile when it has a country, else a partner mention."""
    if "country" in side:
        return profile_mention(record, side)
    return Mention(record, "/partners/0", side["name"], side.get("acronym"))


def variant_mentions(sets: dict[str, Any]) -> tuple[list[Mention], dict[str, list[int]]]:
    """Every organization of a file: its profile, then each variant as a partner of its own record."""
    mentions: list[Mention] = []
    where: dict[str, list[int]] = {}
    for org in sets["organizations"]:
        where[org["id"]] = []
        if "profile" in org:
            where[org["id"]].append(len(mentions))
            mentions.append(profile_mention(f"profile-{org['id']}", org["profile"]))
        for n, text in enumerate(org["variants"]):
            where[org["id"]].append(len(mentions))
            mentions.append(Mention(f"record-{org['id']}-{n}", "/partners/0", text))
    return mentions, where


VARIANT_SETS = [pytest.param(path, org["id"], id=f"{path.stem}-{org['id']}")
                for path in VARIANT_FILES for org in load_sets(path)["organizations"]]
NEAR_MISSES = [pytest.param(pair, id=f"{path.stem}-{n}")
               for path in VARIANT_FILES for n, pair in enumerate(load_sets(path)["apart"])]


def test_every_language_has_variant_sets() -> None:
    assert [p.stem for p in VARIANT_FILES] == ["en", "es", "fr"]


@pytest.mark.parametrize(("path", "org"), VARIANT_SETS)
def test_every_variant_of_an_organization_is_merged(path: Path, org: str) -> None:
    mentions, where = variant_mentions(load_sets(path))
    refs = build_registry(mentions).refs
    texts = {mentions[i].name: refs[i] for i in where[org]}
    assert len(set(texts.values())) == 1, texts


@pytest.mark.parametrize("path", VARIANT_FILES, ids=lambda p: p.stem)
def test_organizations_of_a_language_stay_apart(path: Path) -> None:
    mentions, where = variant_mentions(load_sets(path))
    refs = build_registry(mentions).refs
    ids = {org: refs[indices[0]] for org, indices in where.items()}
    assert len(set(ids.values())) == len(ids), ids


@pytest.mark.parametrize("pair", NEAR_MISSES)
def test_near_misses_stay_apart(pair: list[dict[str, Any]]) -> None:
    mentions = [side_mention("a", pair[0]), side_mention("b", pair[1])]
    registry = build_registry(mentions)
    assert registry.refs[0] != registry.refs[1]


def test_a_bare_acronym_two_organizations_share_joins_neither() -> None:
    andaluza = Mention("raes-es", "", "Red Andaluza de Economía Solidaria", "RAES", (), "ES")
    argentina = Mention("raes-ar", "", "Red Argentina de Economía Solidaria", "RAES", (), "AR")
    bare = Mention("other", "/partners/0", "RAES")
    registry = build_registry([andaluza, argentina, bare])
    assert len(set(registry.refs)) == 3
    shared = [p for p in registry.uncertain if "RAES" in (p.a, p.b)]
    assert {p.a_id for p in shared} | {p.b_id for p in shared} >= {"raes-es", "raes-ar"}


def test_a_bare_acronym_joins_the_one_organization_that_has_it() -> None:
    mentions = [Mention("r1", "/partners/0", "Ministry of Youth and Sports", "MJS"),
                Mention("r2", "/partners/0", "MJS")]
    registry = build_registry(mentions)
    assert registry.refs[0] == registry.refs[1]
    (entry,) = registry.entries
    assert entry.name == "Ministry of Youth and Sports" and entry.acronym == "MJS"
    assert [m.rule for m in entry.merges] == ["acronym.only"]


def test_a_partner_that_is_profiled_gets_the_profile_record_id() -> None:
    mentions = [Mention("remess", "", "Réseau Marocain de l'Économie Sociale et Solidaire", "REMESS", (), "MA"),
                Mention("reiessg", "/partners/3", "REMESS"),
                Mention("other", "/partners/0", "Réseau Marocain de l'Economie Sociale et Solidaire")]
    assert build_registry(mentions).refs == ["remess", "remess", "remess"]


# --------------------------------------------------------------------------- curators


SPORTS = [Mention("r1", "/partners/0", "Ministry of Youth and Sports", "MJS"),
          Mention("r2", "/partners/0", "Ministry of Youth and Sport"),
          Mention("r3", "/partners/0", "Ministère de la Jeunesse et des Sports", "MJS")]


def test_without_decisions_a_typo_is_merged_and_a_translation_is_not() -> None:
    refs = build_registry(SPORTS).refs
    assert refs[0] == refs[1] != refs[2]


def test_curator_different_beats_an_automatic_merge() -> None:
    decisions = Decisions(different=(("Ministry of Youth and Sports", "Ministry of Youth and Sport"),))
    registry = build_registry(SPORTS, decisions)
    assert registry.refs[0] != registry.refs[1]
    assert not any({p.a, p.b} == {"Ministry of Youth and Sports", "Ministry of Youth and Sport"}
                   for p in registry.uncertain), "a decided pair is no longer uncertain"


def test_curator_same_forces_a_merge() -> None:
    decisions = Decisions(same=(("Ministère de la Jeunesse et des Sports", "the Ministry of Youth and Sports"),))
    registry = build_registry(SPORTS, decisions)
    assert len(set(registry.refs)) == 1
    (entry,) = registry.entries
    assert "curator.same" in [m.rule for m in entry.merges]


def test_curator_same_merges_across_countries() -> None:
    mentions = [Mention("a", "", "Red Andaluza de Economía Solidaria", "RAES", (), "ES"),
                Mention("b", "", "Red Argentina de Economía Solidaria", "RAES", (), "AR")]
    decisions = Decisions(same=(("Red Andaluza de Economía Solidaria", "Red Argentina de Economía Solidaria"),))
    assert len(set(build_registry(mentions, decisions).refs)) == 1


def test_curator_preferred_sets_the_displayed_name() -> None:
    registry = build_registry(SPORTS, Decisions(preferred={"mjs": "Ministry of Youth and Sports (Morocco)"}))
    entry = next(e for e in registry.entries if e.id == "mjs")
    assert entry.name == "Ministry of Youth and Sports (Morocco)"
    assert "Ministry of Youth and Sports" in entry.aliases


def test_decisions_that_name_nothing_are_reported_not_fatal() -> None:
    decisions = Decisions(same=(("Nowhere Foundation", "MJS"),), preferred={"no-such-id": "X"})
    problems = build_registry(SPORTS, decisions).problems
    assert len(problems) == 2 and "Nowhere Foundation" in problems[0] and "no-such-id" in problems[1]


def test_the_checked_in_decisions_file_is_valid_and_decides_nothing() -> None:
    assert load_decisions(ROOT / "registry" / "decisions.yaml") == Decisions()


def test_a_malformed_decisions_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "decisions.yaml").write_text("same: [[only one name]]\n", encoding="utf-8")
    with pytest.raises(DecisionsError, match="same"):
        load_decisions(tmp_path / "decisions.yaml")
    out = tmp_path / "out"
    assert main(["extract", str(CORPUS / "emesse.txt"), "--out", str(out), "--registry", str(tmp_path)]) == 2


# --------------------------------------------------------------------------- the dev corpus


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("registry-run")
    src = base / "in"
    src.mkdir()
    for path in CORPUS.iterdir():
        if not path.name.endswith(".json"):
            shutil.copy(path, src)
    assert main(["extract", str(src), "--out", str(base / "out"), "--registry", str(base / "registry"),
                 "--quiet"]) == 0
    return base


def test_the_corpus_registry_links_every_partner(corpus_run: Path) -> None:
    organizations = json.loads((corpus_run / "registry" / "organizations.json").read_text(encoding="utf-8"))
    ids = {e["id"] for e in organizations["organizations"]}
    records = [json.loads(line) for line in (corpus_run / "out" / "profiles.jsonl").read_text().splitlines()]
    partners = [(r["id"], n, p) for r in records for n, p in enumerate(r["partners"])]
    assert partners and all(p["ref"] in ids for _, _, p in partners)
    mentioned = {(m["record"], m["pointer"]) for e in organizations["organizations"] for m in e["mentions"]}
    assert all((rid, f"/partners/{n}") in mentioned for rid, n, _ in partners)
    assert {r["id"] for r in records} <= ids, "each profiled organization keeps its record id"


def test_the_corpus_registry_is_sorted_and_deterministic(corpus_run: Path, tmp_path: Path) -> None:
    text = (corpus_run / "registry" / "organizations.json").read_text(encoding="utf-8")
    ids = [e["id"] for e in json.loads(text)["organizations"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert main(["extract", str(corpus_run / "in"), "--out", str(tmp_path / "out"), "--registry",
                 str(tmp_path / "registry"), "--quiet"]) == 0
    assert (tmp_path / "registry" / "organizations.json").read_text(encoding="utf-8") == text


def test_a_corpus_partner_that_is_profiled_links_to_the_profile(corpus_records: dict[str, Profile]) -> None:
    reiessg, emesse = corpus_records["reiessg.txt"], corpus_records["emesse.txt"]
    partner = Partner(name="Moroccan Platform for Social, Solidarity and Environmental Economy", acronym="EMESSE")
    reiessg = reiessg.model_copy(update={"partners": [*reiessg.partners, partner]})
    linked = link_partners([reiessg, emesse], build_registry(mentions_of([reiessg, emesse])))
    assert linked[0].partners[-1].ref == "emesse"
    assert all(p.ref for p in linked[0].partners)


def test_checked_in_registry_is_current(tmp_path: Path) -> None:
    """registry/organizations.json is what `profiles extract` makes of raw/ today."""
    assert main(["extract", str(ROOT / "raw"), "--out", str(tmp_path / "out"), "--registry", str(tmp_path),
                 "--quiet"]) == 0
    assert (tmp_path / "organizations.json").read_bytes() == (ROOT / "registry" / "organizations.json").read_bytes()


def test_names_reports_clusters_and_pairs(corpus_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["names", "--records", str(corpus_run / "out"), "--registry", str(corpus_run / "registry")]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Clusters" in text and "reiessg" in text
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["organizations"] >= 12
    assert any(c["id"] == "reiessg" and "REISESS" in c["aliases"] for c in report["clusters"])
    for pair in report["uncertain"]:
        assert pair["decision_line"].startswith("- [") and pair["score"] >= reg.REVIEW_FROM


def test_names_without_records_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["names", "--records", str(tmp_path)]) == 2


# --------------------------------------------------------------------------- cost


def _generator(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The benchmark's generator of organization mentions (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_registry", ROOT / "benchmarks" / "bench_registry.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_registry", module)
    spec.loader.exec_module(module)
    return module


def test_fuzzy_comparisons_grow_linearly_not_by_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    original = reg.similarity

    def counting(a: Any, b: Any) -> Any:
        calls["n"] += 1
        return original(a, b)

    monkeypatch.setattr(reg, "similarity", counting)
    bench = _generator(monkeypatch)
    counts = []
    for size in (2_000, 8_000):
        calls["n"] = 0
        build_registry(bench.generate(size, seed=3)[0])
        counts.append(calls["n"])
    # Four times the mentions: a few times the comparisons (denser names meet more near neighbours), never
    # the sixteen times of all pairs; and far fewer comparisons than mentions.
    assert counts[1] < 8 * counts[0] and counts[1] < 8_000, counts


def _analysis_by_definition(rules: Any, folded: str) -> tuple[Any, ...]:
    """`Words.analyse` as namekeys.py defines it, step by step: the content words, each country phrase
    (the longest at each word, left to right) read as its code."""
    stop, countries = rules.stop, rules.countries
    raw = re.findall(r"\w+", folded)
    content = [w for w in raw if w not in stop and len(w) > 1]
    longest = max((len(p.split(" ")) for p in countries), default=1)
    words: list[str] = []
    i = 0
    while i < len(raw):
        for size in range(min(longest, len(raw) - i), 0, -1):
            code = countries.get(" ".join(raw[i:i + size]))
            if code:
                words.append("@" + code)
                i += size
                break
        else:
            if raw[i] not in stop and len(raw[i]) > 1:
                words.append(raw[i])
            i += 1
    codes = {w[1:] for w in words if w[0] == "@"}
    return (tuple(words), " ".join(sorted(words)), "".join(w[0] for w in content).upper(),
            next(iter(codes)) if len(codes) == 1 else None, " ".join(words))


def test_name_analysis_shortcuts_give_the_defined_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry's name analysis takes shortcuts for speed (ASCII folding, many names split at
    once, country phrases looked for only where one may start): each gives what the plain definition
    gives, on generated names, country phrases among common words, and Unicode corner cases."""
    import random

    from pipeline.namekeys import Words, name_rules
    from pipeline.names import acronym_key
    from pipeline.vocab import fold

    rules = name_rules()
    mentions, _ = _generator(monkeypatch).generate(3_000, seed=5)
    texts = {t for m in mentions for t in (m.name, m.acronym, *m.aliases) if t}
    rng = random.Random(2)
    phrases = sorted(rules.countries)
    common = ["union", "of", "the", "central", "network", "d", "de", "la", "republic", "el", "united", "x"]
    for _ in range(3_000):
        text = " ".join(rng.choice(phrases) if rng.random() < 0.4 else rng.choice(common)
                        for _ in range(rng.randint(1, 6)))
        texts |= {text, text.upper(), text.title().replace(" ", "-")}
    texts |= {"Côte d’Ivoire", "Œuvre ﬁnancière du Bénin", "Straße", "e\u0301cole", "İstanbul", "a\u034fb",
              "Ǆemal", "x\u00a0y\u2028z", "Ⅻ Réseau", "São Tomé-et-Príncipe", "", "  ", "R.E.M.E.S.S."}
    batch, single = Words(rules), Words(rules)
    batch.analyse_all(sorted(texts))
    for text in sorted(texts):
        assert single.fold(text) == fold(text), text
        assert single.akey(text) == acronym_key(text), text
        expected = _analysis_by_definition(rules, fold(text))
        assert single.analyse(text) == expected, text
        assert batch.analyse(text) == expected, text
