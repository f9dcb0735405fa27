"""The organization registry: one entry per organization across every record of a run.

A run's records name organizations many times over: each profile names itself (name,
acronym, aliases) and its partners name others ("Ministry of Youth and Sports (MJS)",
"MJS", "the Ministry of Youth and Sports"). The registry gives each organization one
id and keeps, for each entry, every text that named it (record id + JSON Pointer) and
the evidence for each merge (rule, the two names, the score).

Names are compared by their content words (`namekeys.py`): case, accents, punctuation,
articles and the stop words of every language ignored, a country name or demonym read as
its ISO code ("Plateforme Burkinabè de l'ESS" = "Plateforme de l'ESS du Burkina Faso").
Partner mentions with the same words, acronym and country are one node from the start
(`name.same_words`, `acronym.same`). Then merges, in this order, each refused when the two
sides have different countries, different acronyms, or a curator said `different`:

1. `curator.same` — a curator's `same` pair (applied first, whatever the countries);
2. `profile.alias` — a profile's own name, acronym and aliases;
3. `name.same_words` — the same content words, in any order;
4. `acronym.same+name` — the same acronym and similar names (>= 0.8, no word of one
   replaced by another in the other);
5. `name.similar` — one name spelled two ways (>= 0.9; words matched fuzzily with
   rapidfuzz so a typo still counts; no word replaced, none added but a country);
6. `acronym.similar+name` — nearly the same acronym (REIESS / REISESS) and one name;
7. `acronym.only` — a bare acronym ("MJS") joins the one organization that has it; an
   acronym several organizations share stays apart and goes to review.

Cost stays near-linear: exact keys go through dicts and union-find; fuzzy comparisons
only in blocks: the distinct names sorted by their words, and by their words reversed
(names sharing their first, or last, words come together), each meeting its `WINDOW`
next neighbours, scored in C by `rapidfuzz.process.cpdist`; groups sharing an acronym
are compared all-pairs up to `GROUP_CAP`, then by neighbours too. Every distinct string
is analysed once; mentions written alike are parsed once.

Pairs that look alike but were not merged (similarity >= `REVIEW_FROM`; not those with
different countries or acronyms, which are plainly two organizations) are the
`uncertain` pairs, ranked for curators (`profiles names`), who answer in `decisions.yaml`.
"""
from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import yaml
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from pipeline.models import Profile
from pipeline.namekeys import NAME_MERGE, NameRules, Words, name_rules, same_name, similarity
from pipeline.names import looks_like_acronym, parse_title
from pipeline.validate import slugify

ORGANIZATIONS = "organizations.json"
DECISIONS = "decisions.yaml"
ACRONYM_NAME_MERGE = 0.8   # similarity of two names that share an acronym to merge them
ACRONYM_SIMILAR = 0.8      # Indel similarity of two acronyms taken as spellings of one
REVIEW_FROM = 0.6          # pairs at least this similar, not merged, go to review
WINDOW = 6                 # neighbours each key meets in each sorted order
CANDIDATE = 80             # rapidfuzz ratio of two names (content words in order) for them to be compared
GROUP_CAP = 24             # a group sharing one acronym is compared all-pairs up to this size
MIN_ACRONYM_KEY = 2

_MAY_SPLIT = re.compile(r"\(| [–—-] |: ")  # what `parse_title` splits a name at: "(ACR)", "ACR – Name"


class DecisionsError(ValueError):
    """The curator's decisions file is malformed."""


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Decisions:
    """What curators decided (`decisions.yaml`): these always win over automatic merges."""

    same: tuple[tuple[str, str], ...] = ()
    different: tuple[tuple[str, str], ...] = ()
    preferred: Mapping[str, str] = field(default_factory=dict)


def load_decisions(path: Path) -> Decisions:
    """Read `decisions.yaml`; a missing file means no decisions."""
    if not path.exists():
        return Decisions()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise DecisionsError(f"{path}: {err}") from err
    if not isinstance(data, dict) or set(data) - {"same", "different", "preferred"}:
        raise DecisionsError(f"{path}: expected a mapping with keys same, different, preferred")

    def pairs(key: str) -> tuple[tuple[str, str], ...]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) and s.strip() for s in p)
                for p in value):
            raise DecisionsError(f"{path}: '{key}' must be a list of [name_or_acronym, name_or_acronym] pairs")
        return tuple((a, b) for a, b in value)

    preferred = data.get("preferred") or {}
    if not isinstance(preferred, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                                  for k, v in preferred.items()):
        raise DecisionsError(f"{path}: 'preferred' must map registry ids to spellings")
    return Decisions(same=pairs("same"), different=pairs("different"), preferred=dict(preferred))


class Mention(NamedTuple):
    """A record's naming of one organization: a profile (pointer "") or a partner (`/partners/N`)."""

    record: str
    pointer: str
    name: str | None
    acronym: str | None = None
    aliases: tuple[str, ...] = ()
    country: str | None = None

    @property
    def is_profile(self) -> bool:
        return self.pointer == ""

    def texts(self) -> list[tuple[str, str]]:
        """(pointer, text) of every name the mention gives, as written."""
        if self.is_profile:
            out = [("/name", self.name)] if self.name else []
            out += [("/acronym", self.acronym)] if self.acronym else []
            return out + [(f"/aliases/{i}", a) for i, a in enumerate(self.aliases)]
        text = self.name or self.acronym or ""
        if self.name and self.acronym:
            text = f"{self.name} ({self.acronym})"
        return [(self.pointer, text)]


def mentions_of(profiles: Sequence[Profile]) -> list[Mention]:
    """Every organization the records name: each profile itself, then each of its partners."""
    out: list[Mention] = []
    for p in profiles:
        out.append(Mention(p.id, "", p.name, p.acronym, tuple(p.aliases), p.country))
        out += [Mention(p.id, f"/partners/{i}", q.name, q.acronym) for i, q in enumerate(p.partners)]
    return out


def mention_json(m: Mention) -> dict[str, Any]:
    return {"record": m.record, "pointer": m.pointer, "name": m.name, "acronym": m.acronym,
            "aliases": list(m.aliases), "country": m.country}


def read_mentions(path: Path) -> list[Mention]:
    """Mentions from a JSON Lines file, one `mention_json` object a line (every key present)."""
    out = []
    loads, make, fields = json.loads, Mention._make, itemgetter(*Mention._fields)
    with path.open(encoding="utf-8") as handle, _few_collections():
        for line in handle:
            if line.strip():
                d = loads(line)
                d["aliases"] = tuple(d["aliases"])
                out.append(make(fields(d)))
    return out


@contextmanager
def _few_collections() -> Iterator[None]:
    """Collect only the young objects, and only every 50,000 allocations, while building.

    A build makes a million small objects and no reference cycles: the cyclic collector
    would only rescan them, at every generation (the default costs a third of the build).
    """
    old = gc.get_threshold()
    gc.set_threshold(50_000, 1_000, 1_000)
    try:
        yield
    finally:
        gc.set_threshold(*old)


# --------------------------------------------------------------------------- outputs


class Merge(NamedTuple):
    """Why two names were joined: the rule, the two names, the score (1.0 for an exact key)."""

    rule: str
    a: str
    b: str
    score: float


class Pair(NamedTuple):
    """Two entries that look alike and were not merged: for a curator to decide."""

    a: str
    a_id: str
    b: str
    b_id: str
    score: float
    reason: str


@dataclass
class Entry:
    id: str
    name: str
    acronym: str | None
    aliases: list[str]
    country: str | None
    profiles: list[str]
    mentions: list[tuple[str, str, str]]  # (record, pointer, text)
    merges: list[Merge]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "acronym": self.acronym, "aliases": self.aliases,
                "country": self.country, "profiles": self.profiles,
                "mentions": [{"record": r, "pointer": p, "text": t} for r, p, t in self.mentions],
                "merges": [{"rule": m.rule, "a": m.a, "b": m.b, "score": m.score} for m in self.merges]}


@dataclass
class Registry:
    """The entries (sorted by id), the entry id of each input mention, unusable decisions, and the
    pairs to review (`uncertain`: ranked when first asked for, as only `profiles names` needs them)."""

    entries: list[Entry]
    refs: list[str]
    problems: list[str]
    review: Callable[[], list[Pair]] = field(default=list, repr=False, compare=False)
    _uncertain: list[Pair] | None = field(default=None, repr=False, compare=False)

    @property
    def uncertain(self) -> list[Pair]:
        """Similar names not merged, the best pair between each two entries, most similar first."""
        if self._uncertain is None:
            self._uncertain = self.review()
            self.review = list  # the builder it held can go
        return self._uncertain

    def to_json(self) -> dict[str, Any]:
        return {"organizations": [e.to_json() for e in self.entries]}


def registry_text(registry: Registry) -> str:
    """`organizations.json` as written: pretty, sorted by id, the same bytes for the same records."""
    return json.dumps(registry.to_json(), ensure_ascii=False, indent=2) + "\n"


def link_partners(results: Sequence[Any], registry: Registry) -> list[Any]:
    """The results with each profile's `partners[].ref` set to its registry entry (mentions in `mentions_of` order)."""
    refs = iter(registry.refs)
    out = []
    for r in results:
        if isinstance(r, Profile):
            next(refs)  # the profile itself
            partners = [p.model_copy(update={"ref": next(refs)}) for p in r.partners]
            r = r.model_copy(update={"partners": partners})
        out.append(r)
    return out


# --------------------------------------------------------------------------- building


@dataclass(slots=True)
class _Node:
    """Names that are one organization before any matching: one profile, or the partner mentions that
    give the same name key, acronym key and country ("The World Bank", "WORLD BANK", "World Bank")."""

    names: tuple[str, ...]
    acronyms: tuple[str, ...]
    countries: frozenset[str]
    first: int                 # index of its first mention
    record: str | None = None  # the profile's record id
    labels: tuple[str, ...] = ()  # neither a name nor an acronym ("INDH Morocco")
    uses: dict[str, int] = field(default_factory=dict)  # each text -> the mentions that wrote it so
    count: int = 0             # its mentions
    akeys: frozenset[str] = frozenset()     # its acronym keys (two characters at least)
    initials: frozenset[str] = frozenset()  # the initials of each of its names


class _Parsed(NamedTuple):
    """What a name as written gives: its names, acronyms, country, labels, name keys and acronym keys."""

    names: tuple[str, ...]
    acronyms: tuple[str, ...]
    country: str | None
    labels: tuple[str, ...]
    keys: tuple[str, ...]
    akeys: tuple[str, ...]
    initials: tuple[str, ...]


_NOTHING = _Parsed((), (), None, (), (), (), ())
_EMPTY: frozenset[str] = frozenset()


@dataclass(slots=True)
class _Draft:
    name: str
    acronym: str | None
    country: str | None
    profiles: list[str]
    mentions: list[int]  # indices of the input mentions
    texts: list[str]     # every name, acronym and label, as written


def _joined(a: frozenset[T], b: frozenset[T]) -> frozenset[T]:
    """`a | b`, without a new set when `b` brings nothing (most merges)."""
    return a if b <= a else a | b


def _listed(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))


def _most(counts: dict[str, int]) -> str | None:
    """The most frequent key (the first in sort order on a tie)."""
    return min(counts, key=lambda t: (-counts[t], t)) if counts else None


_CURATOR_DIFFERENT = "curator: different"
T = TypeVar("T")


class _Builder:
    def __init__(self, mentions: Sequence[Mention], decisions: Decisions, rules: NameRules) -> None:
        self.mentions = mentions
        self.decisions = decisions
        self.words = Words(rules)
        self.rules = rules
        self.titles: dict[str, _Parsed] = {}
        self.frozen_sets: dict[tuple[str, ...], frozenset[str]] = {(): _EMPTY}  # one set per distinct value
        self.nodes: list[_Node] = []
        self.node_of: list[int] = []  # each mention -> its node
        self.merges: list[tuple[int, Merge]] = []
        self.pairs: list[tuple[int, int, str, str, float, str]] = []  # to review: nodes, names, score, why
        self.problems: list[str] = []

    # ------------------------------------------------------------ nodes

    def frozen(self, values: tuple[str, ...]) -> frozenset[str]:
        """A frozenset of the values, the same object for the same values (fewer objects to keep)."""
        hit = self.frozen_sets.get(values)
        if hit is None:
            hit = self.frozen_sets[values] = frozenset(values)
        return hit

    def split_name(self, text: str) -> _Parsed:
        """A name as written -> names, acronyms, country, labels: "Name (ACR)", "ACR", "RENAPESS Mali"."""
        hit = self.titles.get(text)
        if hit is not None:
            return hit
        words = self.words
        title = parse_title(text) if _MAY_SPLIT.search(text) else None
        acronyms: tuple[str, ...] = ()
        if title is None or title.acronym is None:  # nothing split off: the text as written (not rstrip'ed)
            name = text.strip()
        else:
            name, acronyms = title.name, (title.acronym,)
        if name and (name.count(" ") >= 3 and len(name.split()) > 3 or not looks_like_acronym(name)):
            _, key, initials, country = words.analyse(name)  # the common case: one name
            hit = _Parsed((name,), acronyms, country, (), (key or words.fold(name),),
                          tuple([words.akey(a) for a in acronyms]) if acronyms else (), (initials,))
        elif name:  # "MJS", "R.E.M.E.S.S.", "INDH Morocco": an acronym, maybe with its country
            head, *rest = name.split()
            codes = words.of(" ".join(rest)) if rest else ()
            if rest and not (codes and all(w.startswith("@") for w in codes)):
                _, key, initials, country = words.analyse(name)  # "ESS Forum Dakar": a name after all
                hit = _Parsed((name,), acronyms, country, (), (key or words.fold(name),),
                              tuple([words.akey(a) for a in acronyms]), (initials,))
            else:
                country = codes[0][1:] if rest and len(set(codes)) == 1 else None
                acronyms = (head, *acronyms)
                hit = _Parsed((), acronyms, country, (name,) if rest else (), (),
                              tuple([words.akey(a) for a in acronyms]), ())
        else:
            hit = _Parsed((), acronyms, None, (), (), tuple([words.akey(a) for a in acronyms]), ())
        self.titles[text] = hit
        return hit

    def name_country(self, names: Iterable[str]) -> str | None:
        """The one country the names name ("Moroccan Network ...": MA), if exactly one."""
        codes = {c for c in (self.words.analyse(n)[3] for n in names) if c}
        return codes.pop() if len(codes) == 1 else None

    def build_nodes(self) -> None:
        """One node per profile, and per partner name key + acronym key + country (with its spellings).

        Mentions written alike are counted first: each distinct one is parsed once.
        """
        index: dict[tuple[Any, ...], int] = {}
        firsts: list[int] = []  # each distinct mention: the index of its first occurrence
        of: list[int] = []      # each mention: its distinct mention
        for i, m in enumerate(self.mentions):
            if m.pointer:  # a partner
                signature = (m.name, m.acronym, m.aliases, m.country)
                j = index.get(signature)
                if j is None:
                    j = index[signature] = len(firsts)
                    firsts.append(i)
            else:  # a profile is one organization's own record: never merged with another by its spelling
                j = len(firsts)
                firsts.append(i)
            of.append(j)
        counts = [0] * len(firsts)
        for j in of:
            counts[j] += 1
        normalized: dict[tuple[Any, ...], int] = {}  # a partner's keys -> its node
        nodes, mentions, titles, akey, frozen = self.nodes, self.mentions, self.titles, self.words.akey, self.frozen
        node_of_distinct = []
        for j, i in enumerate(firsts):
            m = mentions[i]
            n = counts[j]
            if m.pointer:
                name, acronym = m.name, m.acronym
                parsed = (titles.get(name) or self.split_name(name)) if name else _NOTHING
                names, labels = parsed.names, parsed.labels
                acronyms = (acronym, *parsed.acronyms) if acronym else parsed.acronyms
                country = m.country or parsed.country
                akeys = (akey(acronym), *parsed.akeys) if acronym else parsed.akeys
                keys = (parsed.keys, akeys, country)
                k = normalized.get(keys)
                if k is None:
                    k = normalized[keys] = len(nodes)
                    uses = dict.fromkeys(names, n)
                    for t in acronyms:
                        uses[t] = uses.get(t, 0) + n
                    for t in labels:
                        uses[t] = n
                    nodes.append(_Node(names, tuple(dict.fromkeys(acronyms)), frozen((country,) if country else ()),
                                       i, None, labels, uses, n,
                                       frozen(tuple([a for a in akeys if len(a) >= MIN_ACRONYM_KEY]) if akeys else ()),
                                       frozen(parsed.initials)))
                    node_of_distinct.append(k)
                    continue
                self.add_spellings(k, names, acronyms, labels)
            else:  # a profile: its name is a name, even in capitals; its aliases, names or acronyms
                names = (m.name,) if m.name else ()
                labels = ()
                acronyms = (m.acronym,) if m.acronym else ()
                country = m.country
                for text in m.aliases:
                    parsed = self.split_name(text)
                    names += parsed.names
                    acronyms += parsed.acronyms
                    labels += parsed.labels
                    country = country or (parsed.country if not parsed.names else None)
                country = country or self.name_country(names)
                k = len(nodes)
                akeys = tuple(self.words.akey(a) for a in acronyms)
                nodes.append(_Node(tuple(dict.fromkeys(names)), tuple(dict.fromkeys(acronyms)),
                                   frozen((country,) if country else ()), i, m.record, tuple(dict.fromkeys(labels)),
                                   {}, 0, frozen(tuple([a for a in akeys if len(a) >= MIN_ACRONYM_KEY])),
                                   frozen(tuple([self.words.initials(t) for t in names]))))
            node = nodes[k]
            node.count += n
            uses = node.uses
            for t in dict.fromkeys([*names, *acronyms, *labels]):
                uses[t] = uses.get(t, 0) + n
            node_of_distinct.append(k)
        self.node_of = [node_of_distinct[j] for j in of]

    def add_spellings(self, k: int, names: Sequence[str], acronyms: Sequence[str], labels: Sequence[str]) -> None:
        """Add a mention's spellings to a node with the same keys, each with the evidence of its merge."""
        node = self.nodes[k]
        for t in names:
            if t not in node.names:
                self.merges.append((k, Merge("name.same_words", node.names[0], t, 1.0)))
                node.names += (t,)
                node.initials = node.initials | {self.words.initials(t)}  # the same words, maybe in another order
        for t in acronyms:
            if t not in node.acronyms:
                self.merges.append((k, Merge("acronym.same", node.acronyms[0], t, 1.0)))
                node.acronyms += (t,)
        for t in labels:
            if t not in node.labels:
                self.merges.append((k, Merge("acronym.same", (node.labels or node.acronyms)[0], t, 1.0)))
                node.labels += (t,)

    # ------------------------------------------------------------ union-find with cannot-links

    def init_clusters(self) -> None:
        n = len(self.nodes)
        self.parent = list(range(n))
        self.size = [1] * n
        self.countries = [node.countries for node in self.nodes]
        self.tags: list[frozenset[int]] = [frozenset()] * n
        self.c_akeys = [node.akeys for node in self.nodes]
        self.c_initials = [node.initials for node in self.nodes]

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def refused(self, ra: int, rb: int) -> int:
        """Whether clusters `ra` and `rb` may be merged automatically: 0 they may; 1 a curator said they are
        different, 2 their countries differ, 3 their acronyms differ."""
        ta, tb = self.tags[ra], self.tags[rb]
        if ta and tb and any(t ^ 1 in tb for t in ta):
            return 1
        ca, cb = self.countries[ra], self.countries[rb]
        if ca and cb and not ca & cb:
            return 2
        ka, kb = self.c_akeys[ra], self.c_akeys[rb]
        if ka and kb and not ka & kb and not self.acronyms_agree(ra, rb):
            return 3
        return 0

    def refusal(self, ra: int, rb: int) -> str | None:
        """Why clusters `ra` and `rb` may not be merged automatically (None: they may)."""
        code = self.refused(ra, rb)
        if code == 2:
            return f"countries differ ({_listed(self.countries[ra])} / {_listed(self.countries[rb])})"
        if code == 3:
            return f"acronyms differ ({_listed(self.c_akeys[ra])} / {_listed(self.c_akeys[rb])})"
        return _CURATOR_DIFFERENT if code == 1 else None

    def acronyms_agree(self, ra: int, rb: int) -> bool:
        """Some acronym of one is a spelling of some acronym of the other, or the initials of one of its names."""
        ka, kb = self.c_akeys[ra], self.c_akeys[rb]
        if ka & self.c_initials[rb] or kb & self.c_initials[ra]:
            return True
        return any(a[0] == b[0] and abs(len(a) - len(b)) <= 2 and Indel.normalized_similarity(a, b) >= ACRONYM_SIMILAR
                   for a in ka for b in kb)

    def union(self, a: int, b: int, merge: Merge, forced: bool = False) -> str | None:
        """Merge the clusters of nodes `a` and `b`; returns why not when refused (None when done)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        code = self.refused(ra, rb)
        if code and not (forced and code != 1):
            return self.refusal(ra, rb)
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        self.countries[ra] = _joined(self.countries[ra], self.countries[rb])
        self.tags[ra] = _joined(self.tags[ra], self.tags[rb])
        self.c_akeys[ra] = _joined(self.c_akeys[ra], self.c_akeys[rb])
        self.c_initials[ra] = _joined(self.c_initials[ra], self.c_initials[rb])
        self.merges.append((a, merge))
        return None

    def review(self, a: int, b: int, ta: str, tb: str, score: float, reason: str) -> None:
        if score >= REVIEW_FROM:
            self.pairs.append((a, b, ta, tb, score, reason))

    # ------------------------------------------------------------ rules

    def curator(self) -> None:
        by_bag: dict[str, list[int]] = {}
        by_bare: dict[str, list[int]] = {}
        for k, node in enumerate(self.nodes):
            for t in node.names:
                by_bag.setdefault(self.words.key(t), []).append(k)
            if not node.names:
                for t in node.acronyms:
                    by_bare.setdefault(self.words.akey(t), []).append(k)

        def nodes_named(text: str) -> list[int]:
            """A name matches every mention with the same words; a bare acronym, the mentions giving only it."""
            names, acronyms = self.split_name(text)[:2]
            if names:
                return sorted(set(by_bag.get(self.words.key(names[0]), [])))
            return sorted(set(by_bare.get(self.words.akey(acronyms[0]), []))) if acronyms else []

        for i, (a, b) in enumerate(self.decisions.different):
            na, nb = nodes_named(a), nodes_named(b)
            both = set(na) & set(nb)
            if both:
                self.problems.append(f"different: [{a!r}, {b!r}]: both name the same mention "
                                     f"({self.display(min(both))}); not applied")
                continue
            if not na or not nb:
                self.problems.append(f"different: [{a!r}, {b!r}]: {a if not na else b!r} names nothing in the records")
            for side, found in ((2 * i, na), (2 * i + 1, nb)):
                for k in found:
                    self.tags[k] = self.tags[k] | {side}
        for a, b in self.decisions.same:
            na, nb = nodes_named(a), nodes_named(b)
            if not na or not nb:
                self.problems.append(f"same: [{a!r}, {b!r}]: {a if not na else b!r} names nothing in the records")
                continue
            group = na + nb
            for k in group[1:]:
                why = self.union(group[0], k, Merge("curator.same", a, b, 1.0), forced=True)
                if why:
                    self.problems.append(f"same: [{a!r}, {b!r}]: contradicts a 'different' decision; not applied")
                    break

    def display(self, k: int) -> str:
        node = self.nodes[k]
        return node.names[0] if node.names else node.acronyms[0]

    def same_words(self, keys: dict[str, list[tuple[int, str]]]) -> None:
        for key, members in keys.items():
            if len(members) < 2:
                continue
            first, first_text = members[0]
            heads = [(first, first_text)]
            for k, text in members[1:]:
                if self.find(k) == self.find(first):
                    continue
                for h, h_text in heads:
                    why = self.union(h, k, Merge("name.same_words", h_text, text, 1.0))
                    if why is None:
                        break
                else:
                    self.review(first, k, first_text, text, 1.0, why or "")
                    heads.append((k, text))

    def same_acronym(self, groups: dict[str, list[int]]) -> None:
        for key in sorted(groups):
            members = groups[key]
            if len(members) < 2:
                continue
            reps: dict[int, int] = {}
            for k in members:  # one node per cluster is enough: its names are already one organization
                reps.setdefault(self.find(k), k)
            ordered = sorted(reps.values(), key=lambda k: self.words.key(self.nodes[k].names[0]))
            for x, y in self.neighbours(len(ordered), GROUP_CAP):
                self.compare_nodes(ordered[x], ordered[y], False, "acronym.same+name",
                                   f"same acronym {key}, names differ")

    def compare_nodes(self, a: int, b: int, strict: bool, rule: str, reason: str) -> None:
        """Merge two nodes whose acronyms agree when their names do too.

        The same acronym: similar names (>= 0.8), no word of one replaced by another word in
        the other ("Colectivo Chileno de ..." is not "Cámara Chilena de ..."). Similar acronyms
        (`strict`): names that are one name (`same_name`): "ISE" and "ISFE" differ by a word.
        """
        if self.find(a) == self.find(b):
            return
        best = (0.0, False, "", "")
        key = self.words.key
        for ta in {key(t): t for t in reversed(self.nodes[a].names)}.values():  # one name per set of words
            for tb in {key(t): t for t in reversed(self.nodes[b].names)}.values():
                score, left_a, left_b = similarity(self.words.of(ta), self.words.of(tb))
                ok = same_name(score, left_a, left_b) if strict else (
                    score >= ACRONYM_NAME_MERGE and not (left_a and left_b))
                if (ok, score) > best[1::-1]:
                    best = (score, ok, ta, tb)
        score, ok, ta, tb = best
        if ok:
            why = self.union(a, b, Merge(rule, ta, tb, round(score, 3)))
            if why:
                self.review(a, b, ta, tb, score, why)
        elif ta:
            self.review(a, b, ta, tb, score, reason)

    @staticmethod
    def neighbours(n: int, cap: int) -> Iterable[tuple[int, int]]:
        """Pairs to compare in a sorted group of n: all of them up to `cap`, else each with its next WINDOW."""
        width = n if n <= cap else WINDOW + 1
        return ((x, y) for x in range(n) for y in range(x + 1, min(n, x + width)))

    def similar_names(self, keys: dict[str, list[tuple[int, str]]]) -> None:
        """Fuzzy name comparisons between neighbours in two sorted orders of the distinct names' word strings.

        A name's words in order, and reversed: a typo in the first words leaves the last ones
        in common, and the other way round; names of one block (sharing their first or last
        content words) meet their `WINDOW` nearest neighbours only.
        """
        spelled: dict[str, tuple[str, int, str, tuple[str, ...]]] = {}  # words in order -> key, node, text, words
        for key, members in keys.items():
            for k, text in members:
                words = self.words.of(text)
                spelled.setdefault(" ".join(words), (key, k, text, words))
        forward = sorted(spelled)
        orders = [forward, sorted(forward, key=lambda w: w[::-1])]
        seen: set[tuple[str, str]] = set()
        find, countries, akeys = self.find, self.countries, self.c_akeys
        for order in orders:
            info = [spelled[w] for w in order]
            for d in range(1, WINDOW + 1):
                if d >= len(order):
                    break
                scores = process.cpdist(order[:-d], order[d:], scorer=fuzz.ratio, score_cutoff=CANDIDATE, workers=1)
                for x in scores.nonzero()[0].tolist():
                    ka, a, ta, wa = info[x]
                    kb, b, tb, wb = info[x + d]
                    pair = (ka, kb) if ka < kb else (kb, ka)
                    if ka == kb or pair in seen:
                        continue
                    seen.add(pair)
                    ra, rb = find(a), find(b)
                    ca, cb, xa, xb = countries[ra], countries[rb], akeys[ra], akeys[rb]
                    if ra == rb or (ca and cb and not ca & cb) or (xa and xb and not xa & xb):
                        continue  # one already; or two countries, or two acronyms: two organizations
                    score, left_a, left_b = similarity(wa, wb)
                    if same_name(score, left_a, left_b):
                        why = self.union(a, b, Merge("name.similar", ta, tb, round(score, 3)))
                        if why:
                            self.review(a, b, ta, tb, score, why)
                    elif score >= REVIEW_FROM:
                        self.pairs.append((a, b, ta, tb, score, "names differ"))

    def similar_acronyms(self, named: dict[str, list[int]]) -> None:
        """Nearly the same acronym (REIESS / REISESS) and one name: neighbours in sorted acronym keys."""
        reps: dict[str, dict[int, int]] = {}
        for key, members in named.items():
            reps[key] = {}
            for k in members:
                reps[key].setdefault(self.find(k), k)
        order = sorted(reps)
        for d in range(1, WINDOW + 1):
            if d >= len(order):
                break
            scores = process.cpdist(order[:-d], order[d:], scorer=Indel.normalized_similarity,
                                    score_cutoff=ACRONYM_SIMILAR, workers=1)
            for x in scores.nonzero()[0].tolist():
                ka, kb = order[x], order[x + d]
                if ka[0] != kb[0] or abs(len(ka) - len(kb)) > 2:
                    continue
                for a in list(reps[ka].values())[:4]:
                    for b in list(reps[kb].values())[:4]:
                        self.compare_nodes(a, b, True, "acronym.similar+name",
                                           f"similar acronyms {ka} / {kb}, names differ")

    def bare_acronyms(self, bare: dict[str, list[int]], named: dict[str, list[int]],
                      one_word: dict[str, list[int]]) -> None:
        """A mention giving only an acronym joins the one organization with that acronym (or a one-word name)."""
        for key in sorted(bare):
            members = bare[key]
            for k in members[1:]:
                self.union(members[0], k, Merge("acronym.only", self.display(members[0]), self.display(k), 1.0))
            for root, k in {self.find(m): m for m in reversed(members)}.items():
                candidates: dict[int, int] = {}
                for owner in named.get(key, []) + one_word.get(key, []):
                    candidates.setdefault(self.find(owner), owner)
                candidates = {r: o for r, o in candidates.items() if r != root and not self.refused(root, r)}
                if len(candidates) == 1:
                    (owner,) = candidates.values()
                    self.union(owner, k, Merge("acronym.only", self.display(owner), self.display(k), 1.0))
                else:
                    for owner in candidates.values():
                        self.review(owner, k, self.display(owner), self.display(k), 1.0,
                                    f"acronym {key} is shared by {len(candidates)} organizations")

    # ------------------------------------------------------------ run

    def build(self) -> Registry:
        self.build_nodes()
        self.init_clusters()
        if self.decisions.same or self.decisions.different:
            self.curator()
        for k, node in enumerate(self.nodes):
            if node.record is not None and node.names:
                head = node.names[0]
                self.merges += [(k, Merge("profile.alias", head, o, 1.0)) for o in (*node.names[1:], *node.acronyms)]
        # One pass to index the nodes: by name key, and by acronym key (named nodes, bare acronyms).
        keys: dict[str, list[tuple[int, str]]] = {}
        named: dict[str, list[int]] = {}
        bare: dict[str, list[int]] = {}
        one_word: dict[str, list[int]] = {}  # "Oxfam" may be written "OXFAM"
        for k, node in enumerate(self.nodes):
            if node.names:
                for t in node.names:
                    words, key, _, _ = self.words.analyse(t)
                    if key:
                        keys.setdefault(key, []).append((k, t))
                        if len(words) == 1:
                            one_word.setdefault(self.words.akey(t), []).append(k)
                for a in self.c_akeys[k]:
                    named.setdefault(a, []).append(k)
            else:
                for a in self.c_akeys[k]:
                    bare.setdefault(a, []).append(k)
        self.same_words(keys)
        self.same_acronym(named)
        self.similar_names(keys)
        self.similar_acronyms(named)
        self.bare_acronyms(bare, named, one_word)
        return self.entries()

    def entries(self) -> Registry:
        root_of = [self.find(k) for k in range(len(self.nodes))]
        clusters: dict[int, list[int]] = {}
        for k, root in enumerate(root_of):
            clusters.setdefault(root, []).append(k)
        # Each cluster's mentions by record id, then in the record's order (a profile, then its partners).
        mentions, node_of = self.mentions, self.node_of
        records = [m.record for m in mentions]
        cluster_mentions: dict[int, list[int]] = {root: [] for root in clusters}
        for i in sorted(range(len(mentions)), key=records.__getitem__):  # stable: input order within a record
            cluster_mentions[root_of[node_of[i]]].append(i)
        drafts = {root: self.draft(members, cluster_mentions[root]) for root, members in clusters.items()}
        ids = self.assign_ids(drafts)
        merges: dict[int, list[Merge]] = {}
        for k, merge in self.merges:
            merges.setdefault(root_of[k], []).append(merge)
        entries = []
        for root, d in drafts.items():
            name = self.decisions.preferred.get(ids[root]) or d.name
            rows: list[tuple[str, str, str]] = []
            for m in map(mentions.__getitem__, d.mentions):
                if m.pointer:
                    rows.append((m.record, m.pointer, f"{m.name} ({m.acronym})" if m.name and m.acronym
                                 else m.name or m.acronym or ""))
                else:
                    rows += [(m.record, p, t) for p, t in m.texts()]
            entries.append(Entry(ids[root], name, d.acronym, sorted(set(d.texts) - {name, d.acronym}), d.country,
                                 d.profiles, rows, merges.get(root, [])))
        for rid in sorted(set(self.decisions.preferred) - set(ids.values())):
            self.problems.append(f"preferred: {rid!r} is not a registry id; not applied")
        entries.sort(key=lambda e: e.id)
        node_ids = [ids[root] for root in root_of]
        refs = [node_ids[k] for k in self.node_of]
        return Registry(entries, refs, self.problems, lambda: self.ranked_pairs(ids, root_of))

    def ranked_pairs(self, ids: dict[int, str], root_of: list[int]) -> list[Pair]:
        """The best pair between each two entries, unless decided or plainly two organizations; most similar first."""
        with _few_collections():
            return self._ranked_pairs(ids, root_of)

    def _ranked_pairs(self, ids: dict[int, str], root_of: list[int]) -> list[Pair]:
        best: dict[tuple[int, int], tuple[int, int, str, str, float, str]] = {}
        for a, b, ta, tb, score, reason in self.pairs:
            ra, rb = root_of[a], root_of[b]
            if ra == rb:
                continue
            if ra > rb:
                ra, rb, ta, tb = rb, ra, tb, ta
            known = best.get((ra, rb))
            if known is None or score > known[4]:
                best[ra, rb] = (ra, rb, ta, tb, score, reason)
        out = []
        for ra, rb, ta, tb, score, reason in best.values():
            code = self.refused(ra, rb)
            if code in (1, 2) or (code == 3 and score < NAME_MERGE):  # decided, or plainly two organizations
                continue
            ia, ib = ids[ra], ids[rb]
            if ia > ib:
                ia, ib, ta, tb = ib, ia, tb, ta
            out.append(Pair(ta, ia, tb, ib, round(score, 3), reason))
        return sorted(out, key=lambda p: (-p.score, p.a_id, p.b_id))

    def draft(self, members: list[int], mentions: list[int]) -> _Draft:
        """Name, acronym and country of an entry: its profile's, else the most used."""
        nodes = self.nodes
        if len(members) == 1 and nodes[members[0]].record is None:  # one node, no profile: most entries
            node = nodes[members[0]]
            used = node.uses
            name: str | None = self.best_name({t: used[t] for t in node.names}) if len(node.names) > 1 else \
                node.names[0] if node.names else _most({t: used[t] for t in node.labels})
            acronym = _most({t: used[t] for t in node.acronyms}) if len(node.acronyms) > 1 else \
                node.acronyms[0] if node.acronyms else None
            country = next(iter(node.countries)) if node.countries else None
            return _Draft(name or acronym or "", acronym, country, [], mentions, list(used))
        uses: dict[str, int] = {}
        names: list[str] = []
        acronyms: list[str] = []
        labels: list[str] = []
        countries: dict[str, int] = {}
        profiles: list[Mention] = []
        for k in members:
            node = nodes[k]
            for t, n in node.uses.items():
                uses[t] = uses.get(t, 0) + n
            names += node.names
            acronyms += node.acronyms
            labels += node.labels
            for c in node.countries:
                countries[c] = countries.get(c, 0) + node.count
            if node.record is not None:
                profiles.append(self.mentions[node.first])
        texts = list(uses)
        if profiles:
            first = min(profiles, key=lambda m: m.record)
            return _Draft(first.name or "", first.acronym or _most({t: uses[t] for t in acronyms}),
                          first.country or _most(countries), sorted({m.record for m in profiles}), mentions, texts)
        name = self.best_name({t: uses[t] for t in names}) if len(names) > 1 else \
            names[0] if names else _most({t: uses[t] for t in labels})
        acronym = _most({t: uses[t] for t in acronyms})
        return _Draft(name or acronym or "", acronym, _most(countries), [], mentions, texts)

    def best_name(self, names: dict[str, int]) -> str:
        """The spelling of the most used words, then the most used spelling, without a leading article."""
        key, fold_ = self.words.key, self.words.fold
        bags: dict[str, int] = {}
        for t, n in names.items():
            bags[key(t)] = bags.get(key(t), 0) + n
        articles = self.rules.articles
        return min(names, key=lambda t: (-bags[key(t)], -names[t], fold_(t).split(" ", 1)[0] in articles, t))

    def assign_ids(self, drafts: dict[int, _Draft]) -> dict[int, str]:
        """A profiled organization keeps its record id; another gets a slug of its acronym (else name)."""
        ids: dict[int, str] = {}
        taken: set[str] = set()

        def claim(root: int, base: str, country: str | None) -> None:
            base = base or "organization"
            tries = [base] + ([f"{base}-{country.lower()}"] if country else [])
            chosen = next((t for t in tries if t not in taken), None)
            n = 2
            while chosen is None:
                if f"{base}-{n}" not in taken:
                    chosen = f"{base}-{n}"
                n += 1
            taken.add(chosen)
            ids[root] = chosen

        profiled = sorted((r for r, d in drafts.items() if d.profiles), key=lambda r: (drafts[r].profiles, r))
        for r in profiled:
            claim(r, drafts[r].profiles[0], None)
        rest = []
        for r, d in drafts.items():
            if not d.profiles:
                base = slugify(d.acronym or "") or slugify(d.name)
                rest.append(((base, d.name, d.country or "", min(d.mentions)), r))
        for key, r in sorted(rest):
            claim(r, key[0], drafts[r].country)
        return ids


def build_registry(mentions: Sequence[Mention], decisions: Decisions | None = None) -> Registry:
    """One entry per organization named in `mentions`, curator decisions applied first."""
    with _few_collections():
        return _Builder(mentions, decisions or Decisions(), name_rules()).build()


def write_registry(directory: Path, registry: Registry) -> Path:
    """Write `organizations.json` into `directory` atomically; the curator's decisions file is never touched."""
    from pipeline.write import atomic_write

    path = directory / ORGANIZATIONS
    atomic_write(path, registry_text(registry))
    return path
