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
are compared all-pairs up to `GROUP_CAP`, then by neighbours too. Mentions written alike
are one distinct mention (the mentions keep its number), parsed once; every distinct
string is analysed once, all of them together (`Words.analyse_all`); entries are made
cluster by cluster from one sort of every mention (numpy), and the cyclic garbage
collector stays off while building (`_few_collections`).

Pairs that look alike but were not merged (similarity >= `REVIEW_FROM`; not those with
different countries or acronyms, which are plainly two organizations) are the
`uncertain` pairs, ranked for curators (`profiles names`), who answer in `decisions.yaml`.
"""
from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
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
_LINES_PARSED = 512         # lines of a mentions file parsed in one call (`read_mentions`)


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
    """Mentions from a JSON Lines file, one `mention_json` object a line (every key present).

    The lines are parsed `_LINES_PARSED` at a time, as one JSON array: fewer calls into the
    parser than one a line, and the objects of each batch freed before the next is made.
    """
    fields, new = itemgetter(*Mention._fields), tuple.__new__
    # One string per record id, as `mentions_of` gives (a record's mentions share its id): less to keep in memory.
    records: dict[str, str] = {}
    one_record = records.setdefault
    out: list[Mention] = []
    with _few_collections():
        lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
        for start in range(0, len(lines), _LINES_PARSED):
            rows = json.loads("[" + ",".join(lines[start:start + _LINES_PARSED]) + "]")
            out += [new(Mention, (one_record(record, record), pointer, name, acronym, tuple(aliases) if aliases else (),
                                  country))
                    for record, pointer, name, acronym, aliases, country in map(fields, rows)]
    return out


@contextmanager
def _few_collections() -> Iterator[None]:
    """No cyclic collection while building; what the build leaves goes to the oldest generation unscanned.

    A build makes a million small objects and no reference cycles: the cyclic collector
    would only scan them, over and over (at any threshold, a tenth of the build), and,
    once enabled again, scan what the build returns (hundreds of thousands of objects,
    long-lived) to promote it. `gc.freeze` + `gc.unfreeze` move them to the oldest
    generation as they are, for full collections to scan as any old objects; not when the
    process froze objects itself (they would be unfrozen).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


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
    initials: frozenset[str]  # the initials of its name


_tuple_new = tuple.__new__  # `_tuple_new(Merge, (...))`: a named tuple made in C (`Merge(...)` runs Python code)
_RECORD = itemgetter(0)  # a mention's record id
_NOTHING = _Parsed((), (), None, (), (), (), frozenset())
_EMPTY: frozenset[str] = frozenset()


@dataclass(slots=True)
class _Draft:
    name: str
    acronym: str | None
    country: str | None
    profiles: list[str]
    first: int           # index of its first mention
    texts: AbstractSet[str]  # every name, acronym and label, as written


def _listed(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))


def _most(counts: dict[str, int]) -> str | None:
    """The most frequent key (the first in sort order on a tie)."""
    return min(counts, key=lambda t: (-counts[t], t)) if counts else None


def _used(nodes: list[_Node], texts: list[str]) -> dict[str, int]:
    """How many mentions of the nodes wrote each of the texts."""
    return {t: sum(node.uses.get(t, 0) for node in nodes) for t in texts}


def _countries(nodes: list[_Node]) -> dict[str, int]:
    """How many mentions of the nodes name each country."""
    counts: dict[str, int] = {}
    for node in nodes:
        for c in node.countries:
            counts[c] = counts.get(c, 0) + node.count
    return counts


_CURATOR_DIFFERENT = "curator: different"


class _Builder:
    def __init__(self, mentions: Sequence[Mention], decisions: Decisions, rules: NameRules) -> None:
        self.mentions = mentions
        self.decisions = decisions
        self.words = Words(rules)
        self.rules = rules
        self.titles: dict[str, _Parsed] = {}
        # One set per distinct value (fewer objects to keep): of acronym keys, of initials, of a country.
        self.key_sets: dict[tuple[str, ...], frozenset[str]] = {(): _EMPTY}
        self.initial_sets: dict[str, frozenset[str]] = {}
        self.country_sets: dict[str | None, frozenset[str]] = {None: _EMPTY}
        self.nodes: list[_Node] = []
        self.distinct_of: list[int] = []  # each mention -> its distinct mention (those written alike are one)
        self.partner_texts: list[str] = []  # each distinct partner mention: its text as written ("" for a profile)
        self.node_of: list[int] = []  # each mention -> its node
        self.merges: list[tuple[int, Merge]] = []
        self.pairs: list[tuple[int, int, str, str, float, str]] = []  # to review: nodes, names, score, why
        self.problems: list[str] = []

    # ------------------------------------------------------------ nodes

    def initial_set(self, initials: str) -> frozenset[str]:
        """{initials}, the same set for the same initials (fewer objects to keep)."""
        hit = self.initial_sets.get(initials)
        if hit is None:
            hit = self.initial_sets[initials] = frozenset((initials,))
        return hit

    def split_name(self, text: str) -> _Parsed:
        """A name as written -> names, acronyms, country, labels: "Name (ACR)", "ACR", "RENAPESS Mali"."""
        hit = self.titles.get(text)
        if hit is None:
            hit = self.titles[text] = self.parsed(*self.plan(text))
        return hit

    def split_names(self, texts: Iterable[str]) -> None:
        """`split_name` of many texts: the names among them analysed all at once (`Words.analyse_all`)."""
        titles, words = self.titles, self.words
        todo = [t for t in dict.fromkeys(texts) if t not in titles]
        plans = [self.plan(t) for t in todo]
        words.analyse_all([name for name, _, one in plans if one])
        analyses, initial_sets = words.analyses, self.initial_sets
        for text, plan in zip(todo, plans):
            name, acronyms, one = plan
            if one and not acronyms:  # `parsed`, inlined for the common case: one name, as written
                _, key, initials, country, _ = analyses[name]
                titles[text] = _tuple_new(_Parsed, ((name,), (), country, (), (key or words.fold(name),), (),
                                                    initial_sets.get(initials) or self.initial_set(initials)))
            else:
                titles[text] = self.parsed(*plan)

    @staticmethod
    def plan(text: str) -> tuple[str, tuple[str, ...], bool]:
        """The name a text gives, the acronym split off it, and whether that name is a name (not an acronym)."""
        title = parse_title(text) if ("(" in text or ": " in text or " - " in text or " – " in text
                                      or " — " in text) else None  # where `parse_title` may split
        acronyms: tuple[str, ...] = ()
        if title is None or title.acronym is None:  # nothing split off: the text as written (not rstrip'ed)
            name = text.strip()
        else:
            name, acronyms = title.name, (title.acronym,)
        return name, acronyms, bool(name) and (name.count(" ") >= 3 and len(name.split(None, 3)) > 3
                                              or not looks_like_acronym(name))

    def parsed(self, name: str, acronyms: tuple[str, ...], one: bool) -> _Parsed:
        """What a text gives (its `plan`): its names, acronyms, country, labels and keys."""
        words = self.words
        if one:  # the common case: one name
            _, key, initials, country, _ = words.analyse(name)
            return _tuple_new(_Parsed, ((name,), acronyms, country, (), (key or words.fold(name),),
                                        tuple([words.akey(a) for a in acronyms]) if acronyms else (),
                                        self.initial_sets.get(initials) or self.initial_set(initials)))
        if name:  # "MJS", "R.E.M.E.S.S.", "INDH Morocco": an acronym, maybe with its country
            head, *rest = name.split()
            codes = words.of(" ".join(rest)) if rest else ()
            if rest and not (codes and all(w.startswith("@") for w in codes)):
                _, key, initials, country, _ = words.analyse(name)  # "ESS Forum Dakar": a name after all
                return _Parsed((name,), acronyms, country, (), (key or words.fold(name),),
                               tuple([words.akey(a) for a in acronyms]), self.initial_set(initials))
            country = codes[0][1:] if rest and len(set(codes)) == 1 else None
            acronyms = (head, *acronyms)
            return _Parsed((), acronyms, country, (name,) if rest else (), (),
                           tuple([words.akey(a) for a in acronyms]), _EMPTY)
        return _Parsed((), acronyms, None, (), (), tuple([words.akey(a) for a in acronyms]), _EMPTY)

    def name_country(self, names: Iterable[str]) -> str | None:
        """The one country the names name ("Moroccan Network ...": MA), if exactly one."""
        codes = {c for c in (self.words.analyse(n)[3] for n in names) if c}
        return codes.pop() if len(codes) == 1 else None

    def build_nodes(self) -> None:
        """One node per profile, and per partner name key + acronym key + country (with its spellings).

        Mentions written alike are one distinct mention (a profile is always its own), counted
        and parsed once; the mentions keep only its number.
        """
        mentions = self.mentions
        index: dict[Any, int] = {}
        self.distinct_of = of = [index.setdefault(m[2:] if m[1] else i, len(index)) for i, m in enumerate(mentions)]
        del index
        distinct = np.asarray(of, dtype=np.intp)
        firsts: list[int] = np.unique(distinct, return_index=True)[1].tolist()  # each one's first mention
        counts: list[int] = np.bincount(distinct, minlength=len(firsts)).tolist()
        # Every partner's name and profile's alias, parsed at once.
        self.split_names([t for m in map(mentions.__getitem__, firsts) for t in ((m[2],) if m[1] else m[4]) if t])
        normalized: dict[tuple[Any, ...], int] = {}  # a partner's keys -> its node
        nodes, titles, split, akey = self.nodes, self.titles, self.split_name, self.words.akey
        key_sets, country_sets = self.key_sets, self.country_sets
        node_of_distinct: list[int] = []
        texts: list[str] = []  # each distinct partner mention: its text as written
        for i, n in zip(firsts, counts):
            record, pointer, name, acronym, aliases, country = mentions[i]
            if pointer:
                texts.append(f"{name} ({acronym})" if name and acronym else name or acronym or "")
                parsed = titles[name] if name else _NOTHING  # every name parsed above
                if acronym:
                    acronyms: tuple[str, ...] = (acronym, *parsed.acronyms)
                    akeys = (akey(acronym), *parsed.akeys)
                else:
                    acronyms, akeys = parsed.acronyms, parsed.akeys
                country = country or parsed.country
                keys = (parsed.keys, akeys, country)
                k = normalized.get(keys)
                if k is None:
                    k = normalized[keys] = len(nodes)
                    names, labels = parsed.names, parsed.labels
                    uses = dict.fromkeys(names, n)
                    if acronyms:
                        for t in acronyms:
                            uses[t] = uses.get(t, 0) + n
                    if labels:
                        for t in labels:
                            uses[t] = n
                    akey_set = key_sets.get(akeys)
                    if akey_set is None:
                        akey_set = key_sets[akeys] = frozenset([a for a in akeys if len(a) >= MIN_ACRONYM_KEY])
                    country_set = country_sets.get(country)
                    if country_set is None:
                        country_set = country_sets[country] = frozenset((country,) if country else ())
                    nodes.append(_Node(names, tuple(dict.fromkeys(acronyms)) if len(acronyms) > 1 else acronyms,
                                       country_set, i, None, labels, uses, n, akey_set, parsed.initials))
                    node_of_distinct.append(k)
                    continue
                names, labels = parsed.names, parsed.labels
                self.add_spellings(k, names, acronyms, labels)
            else:  # a profile: its name is a name, even in capitals; its aliases, names or acronyms
                texts.append("")
                names = (name,) if name else ()
                labels = ()
                acronyms = (acronym,) if acronym else ()
                for text in aliases:
                    parsed = split(text)
                    names += parsed.names
                    acronyms += parsed.acronyms
                    labels += parsed.labels
                    country = country or (parsed.country if not parsed.names else None)
                country = country or self.name_country(names)
                k = len(nodes)
                akeys = tuple([akey(a) for a in acronyms])
                initials = self.words.initials
                nodes.append(_Node(tuple(dict.fromkeys(names)), tuple(dict.fromkeys(acronyms)),
                                   frozenset((country,) if country else ()), i, record, tuple(dict.fromkeys(labels)),
                                   {}, 0, frozenset([a for a in akeys if len(a) >= MIN_ACRONYM_KEY]),
                                   frozenset([initials(t) for t in names])))
            node = nodes[k]
            node.count += n
            uses = node.uses
            for t in dict.fromkeys([*names, *acronyms, *labels]):
                uses[t] = uses.get(t, 0) + n
            node_of_distinct.append(k)
        self.node_of = [node_of_distinct[j] for j in of]
        self.partner_texts = texts

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

    def roots(self) -> np.ndarray:
        """Each node's cluster (the root `find` gives), for every node at once: pointer jumping."""
        roots = np.array(self.parent, dtype=np.intp)
        while len(roots):
            up = roots[roots]
            if np.array_equal(up, roots):
                break
            roots = up
        return roots

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

    def union(self, a: int, b: int, rule: str, ta: str, tb: str, score: float, forced: bool = False) -> str | None:
        """Merge the clusters of nodes `a` and `b` (the evidence: rule, the two names, the score); returns why not
        when refused (None when done)."""
        parent = self.parent
        ra, rb = parent[a], parent[b]
        if parent[ra] != ra:
            ra = self.find(a)
        if parent[rb] != rb:
            rb = self.find(b)
        if ra == rb:
            return None
        countries, akeys, tags, initials = self.countries, self.c_akeys, self.tags, self.c_initials
        ca, cb, ka, kb = countries[ra], countries[rb], akeys[ra], akeys[rb]
        if (ca and cb and not ca & cb) or (ka and kb and not ka & kb) or (tags[ra] and tags[rb]):  # maybe refused
            code = self.refused(ra, rb)
            if code and not (forced and code != 1):
                return self.refusal(ra, rb)
        size = self.size
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        parent[rb] = ra
        size[ra] += size[rb]
        each: tuple[list[frozenset[Any]], ...] = (countries, tags, akeys, initials)
        for sets in each:  # the root's sets take the other's (most bring nothing)
            other = sets[rb]
            if other and not other <= sets[ra]:
                sets[ra] = sets[ra] | other
        self.merges.append((a, _tuple_new(Merge, (rule, ta, tb, score))))
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
                why = self.union(group[0], k, "curator.same", a, b, 1.0, forced=True)
                if why:
                    self.problems.append(f"same: [{a!r}, {b!r}]: contradicts a 'different' decision; not applied")
                    break

    def display(self, k: int) -> str:
        node = self.nodes[k]
        return node.names[0] if node.names else node.acronyms[0]

    def same_words(self, keys: dict[str, list[tuple[int, str]]]) -> None:
        parent, find, union = self.parent, self.find, self.union
        for members in keys.values():
            if len(members) < 2:
                continue
            first, first_text = members[0]
            heads = [(first, first_text)]
            for k, text in members[1:]:
                ra, rb = parent[k], parent[first]
                if (ra if parent[ra] == ra else find(k)) == (rb if parent[rb] == rb else find(first)):
                    continue
                for h, h_text in heads:
                    why = union(h, k, "name.same_words", h_text, text, 1.0)
                    if why is None:
                        break
                else:
                    self.review(first, k, first_text, text, 1.0, why or "")
                    heads.append((k, text))

    def same_acronym(self, groups: dict[str, list[int]]) -> None:
        parent, find, analyse, nodes = self.parent, self.find, self.words.analyse, self.nodes
        for key in sorted(groups):
            members = groups[key]
            if len(members) < 2:
                continue
            reps: dict[int, int] = {}
            for k in members:  # one node per cluster is enough: its names are already one organization
                root = parent[k]
                reps.setdefault(root if parent[root] == root else find(k), k)
            if len(reps) < 2:
                continue
            ordered = sorted(reps.values(), key=lambda k: analyse(nodes[k].names[0])[1])
            for x, y in self.neighbours(len(ordered), GROUP_CAP):
                self.compare_nodes(ordered[x], ordered[y], False, "acronym.same+name",
                                   f"same acronym {key}, names differ")

    def compare_nodes(self, a: int, b: int, strict: bool, rule: str, reason: str) -> None:
        """Merge two nodes whose acronyms agree when their names do too.

        The same acronym: similar names (>= 0.8), no word of one replaced by another word in
        the other ("Colectivo Chileno de ..." is not "Cámara Chilena de ..."). Similar acronyms
        (`strict`): names that are one name (`same_name`): "ISE" and "ISFE" differ by a word.
        """
        parent = self.parent
        ra, rb = parent[a], parent[b]
        if (ra if parent[ra] == ra else self.find(a)) == (rb if parent[rb] == rb else self.find(b)):
            return
        best = (0.0, False, "", "")
        analyse = self.words.analyse
        names_a, names_b = self.nodes[a].names, self.nodes[b].names
        if len(names_a) > 1:  # one name per set of words
            names_a = tuple({analyse(t)[1]: t for t in reversed(names_a)}.values())
        if len(names_b) > 1:
            names_b = tuple({analyse(t)[1]: t for t in reversed(names_b)}.values())
        for ta in names_a:
            for tb in names_b:
                score, left_a, left_b = similarity(analyse(ta)[0], analyse(tb)[0])
                ok = same_name(score, left_a, left_b) if strict else (
                    score >= ACRONYM_NAME_MERGE and not (left_a and left_b))
                if (ok, score) > best[1::-1]:
                    best = (score, ok, ta, tb)
        score, ok, ta, tb = best
        if ok:
            why = self.union(a, b, rule, ta, tb, round(score, 3))
            if why:
                self.review(a, b, ta, tb, score, why)
        elif ta:
            self.review(a, b, ta, tb, score, reason)

    @staticmethod
    def neighbours(n: int, cap: int) -> Iterable[tuple[int, int]]:
        """Pairs to compare in a sorted group of n: all of them up to `cap`, else each with its next WINDOW."""
        width = n if n <= cap else WINDOW + 1
        return ((x, y) for x in range(n) for y in range(x + 1, min(n, x + width)))

    def similar_names(self, spelled: dict[str, tuple[int, str, tuple[str, ...], str]],
                      keys: dict[str, list[tuple[int, str]]]) -> None:
        """Fuzzy name comparisons between neighbours in two sorted orders of the distinct names' word strings.

        A name's words in order, and reversed: a typo in the first words leaves the last ones
        in common, and the other way round; names of one block (sharing their first or last
        content words) meet their `WINDOW` nearest neighbours only. The neighbours similar
        enough to compare are found in C, and each two name keys are compared once (where first
        found: the words in order, nearest first, then reversed), in the loop that merges.
        `spelled`: the first node and name with each sequence of content words.
        """
        if len(spelled) < 2:
            return
        key_no = {key: n for n, key in enumerate(keys)}
        key_of = [key_no[key] for _, _, _, key in spelled.values()]
        texts = list(spelled)
        # Positions in `spelled` (in insertion order) of the names in each order.
        forward = sorted(range(len(texts)), key=texts.__getitem__)
        backward = sorted(range(len(texts)), key=[w[::-1] for w in texts].__getitem__)
        found_a, found_b = [], []
        for order in (forward, backward):
            positions = np.array(order, dtype=np.intp)
            strings = [texts[x] for x in order]
            for d in range(1, min(WINDOW, len(order) - 1) + 1):
                scores = process.cpdist(strings[:-d], strings[d:], scorer=fuzz.ratio, score_cutoff=CANDIDATE,
                                        workers=1)
                near = np.flatnonzero(scores)
                found_a.append(positions[near])
                found_b.append(positions[near + d])
        a_of, b_of = np.concatenate(found_a), np.concatenate(found_b)
        keys_a, keys_b = np.asarray(key_of, dtype=np.int64)[a_of], np.asarray(key_of, dtype=np.int64)[b_of]
        other = keys_a != keys_b  # the same words in another order: merged already, or refused
        a_of, b_of, keys_a, keys_b = a_of[other], b_of[other], keys_a[other], keys_b[other]
        pair = np.minimum(keys_a, keys_b) * len(keys) + np.maximum(keys_a, keys_b)
        first = np.sort(np.unique(pair, return_index=True)[1])
        info = list(spelled.values())
        parent, find, countries, akeys = self.parent, self.find, self.countries, self.c_akeys
        for x, y in zip(a_of[first].tolist(), b_of[first].tolist()):
            a, ta, wa, _ = info[x]
            b, tb, wb, _ = info[y]
            ra, rb = parent[a], parent[b]
            if parent[ra] != ra:
                ra = find(a)
            if parent[rb] != rb:
                rb = find(b)
            ca, cb, xa, xb = countries[ra], countries[rb], akeys[ra], akeys[rb]
            if ra == rb or (ca and cb and not ca & cb) or (xa and xb and not xa & xb):
                continue  # one already; or two countries, or two acronyms: two organizations
            score, left_a, left_b = similarity(wa, wb)
            if same_name(score, left_a, left_b):
                why = self.union(a, b, "name.similar", ta, tb, round(score, 3))
                if why:
                    self.review(a, b, ta, tb, score, why)
            elif score >= REVIEW_FROM:
                self.pairs.append((a, b, ta, tb, score, "names differ"))

    def similar_acronyms(self, named: dict[str, list[int]]) -> None:
        """Nearly the same acronym (REIESS / REISESS) and one name: neighbours in sorted acronym keys."""
        roots: list[int] = self.roots().tolist()  # as they are before any of these merges
        reps: dict[str, list[int]] = {}  # an acronym key -> one node per cluster of the nodes that have it

        def nodes_of(key: str) -> list[int]:
            hit = reps.get(key)
            if hit is None:
                firsts: dict[int, int] = {}
                for k in named[key]:
                    firsts.setdefault(roots[k], k)
                hit = reps[key] = list(firsts.values())[:4]
            return hit

        order = sorted(named)
        for d in range(1, WINDOW + 1):
            if d >= len(order):
                break
            scores = process.cpdist(order[:-d], order[d:], scorer=Indel.normalized_similarity,
                                    score_cutoff=ACRONYM_SIMILAR, workers=1)
            for x in scores.nonzero()[0].tolist():
                ka, kb = order[x], order[x + d]
                if ka[0] != kb[0] or abs(len(ka) - len(kb)) > 2:
                    continue
                for a in nodes_of(ka):
                    for b in nodes_of(kb):
                        self.compare_nodes(a, b, True, "acronym.similar+name",
                                           f"similar acronyms {ka} / {kb}, names differ")

    def bare_acronyms(self, bare: dict[str, list[int]], named: dict[str, list[int]],
                      one_word: dict[str, list[int]]) -> None:
        """A mention giving only an acronym joins the one organization with that acronym (or a one-word name)."""
        for key in sorted(bare):
            members = bare[key]
            for k in members[1:]:
                self.union(members[0], k, "acronym.only", self.display(members[0]), self.display(k), 1.0)
            for root, k in {self.find(m): m for m in reversed(members)}.items():
                candidates: dict[int, int] = {}
                for owner in named.get(key, []) + one_word.get(key, []):
                    candidates.setdefault(self.find(owner), owner)
                candidates = {r: o for r, o in candidates.items() if r != root and not self.refused(root, r)}
                if len(candidates) == 1:
                    (owner,) = candidates.values()
                    self.union(owner, k, "acronym.only", self.display(owner), self.display(k), 1.0)
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
        # One pass over the nodes: a profile's names and acronyms are one organization's; each node indexed by
        # name key, and by acronym key (named nodes, bare acronyms).
        keys: dict[str, list[tuple[int, str]]] = {}
        named: dict[str, list[int]] = {}
        bare: dict[str, list[int]] = {}
        one_word: dict[str, list[int]] = {}  # "Oxfam" may be written "OXFAM"
        spelled: dict[str, tuple[int, str, tuple[str, ...], str]] = {}  # words in order -> node, name, words, key
        analyse, analyses, akey, merges = self.words.analyse, self.words.analyses, self.words.akey, self.merges
        for k, (node, node_akeys) in enumerate(zip(self.nodes, self.c_akeys)):
            names = node.names
            if names:
                if node.record is not None:
                    head = names[0]
                    merges += [(k, _tuple_new(Merge, ("profile.alias", head, o, 1.0)))
                               for o in (*names[1:], *node.acronyms)]
                for t in names:
                    words, key, _, _, in_order = analyses.get(t) or analyse(t)
                    if key:
                        members = keys.get(key)
                        if members is None:
                            keys[key] = [(k, t)]
                        else:
                            members.append((k, t))
                        if in_order not in spelled:
                            spelled[in_order] = (k, t, words, key)
                        if len(words) == 1:
                            one_word.setdefault(akey(t), []).append(k)
                index = named
            else:
                index = bare
            for a in node_akeys:
                members_of = index.get(a)
                if members_of is None:
                    index[a] = [k]
                else:
                    members_of.append(k)
        self.same_words(keys)
        self.same_acronym(named)
        self.similar_names(spelled, keys)
        self.similar_acronyms(named)
        self.bare_acronyms(bare, named, one_word)
        return self.entries()

    def entries(self) -> Registry:
        """The entries, each mention's entry id, and the ranking of the pairs to review (for later)."""
        nodes, mentions = self.nodes, self.mentions
        roots = self.roots()
        root_of: list[int] = roots.tolist()
        # The clusters in root order: their nodes, in node order, and their mentions, by record id then in
        # the record's order (a profile, then its partners): one stable sort of every mention.
        cluster_roots, node_counts = np.unique(roots, return_counts=True)
        node_order: list[int] = np.argsort(roots, kind="stable").tolist()
        rank = {r: n for n, r in enumerate(sorted(set(map(_RECORD, mentions))))}
        record_rank = np.fromiter(map(rank.__getitem__, map(_RECORD, mentions)), dtype=np.intp, count=len(mentions))
        mention_roots = roots[np.asarray(self.node_of, dtype=np.intp)] if mentions else roots[:0]
        order: list[int] = np.lexsort((record_rank, mention_roots)).tolist()
        mention_counts = np.bincount(mention_roots, minlength=len(nodes))[cluster_roots].tolist() if mentions else []
        # Each mention's rows (a profile gives one per name it lists), made in input order (the mentions read
        # in turn, not all over memory), then put in that order.
        texts = self.partner_texts
        rows: list[Any] = [(m[0], m[1], texts[j]) if m[1] else [(m[0], p, t) for p, t in m.texts()]
                           for m, j in zip(mentions, self.distinct_of)]
        rows = [rows[i] for i in order]
        drafts: dict[int, _Draft] = {}
        cluster_rows: dict[int, list[tuple[str, str, str]]] = {}
        ns = ms = 0
        for root, nn, nm in zip(cluster_roots.tolist(), node_counts.tolist(), mention_counts):
            drafts[root] = d = self.draft(node_order[ns:ns + nn])
            if d.profiles:  # a profile's rows (a list): in line with the others
                cluster_rows[root] = list(chain.from_iterable(r if type(r) is list else (r,) for r in rows[ms:ms + nm]))
            else:
                cluster_rows[root] = rows[ms:ms + nm]
            ns += nn
            ms += nm
        ids = self.assign_ids(drafts)
        merges: dict[int, list[Merge]] = {}
        for k, merge in self.merges:
            listed = merges.get(root := root_of[k])
            if listed is None:
                merges[root] = [merge]
            else:
                listed.append(merge)
        preferred = self.decisions.preferred
        entries = []
        for root, d in drafts.items():
            rid = ids[root]
            name = preferred.get(rid) or d.name if preferred else d.name
            entries.append(Entry(rid, name, d.acronym, sorted(d.texts - {name, d.acronym}), d.country,
                                 d.profiles, cluster_rows[root], merges.get(root, [])))
        for rid in sorted(set(preferred) - set(ids.values())):
            self.problems.append(f"preferred: {rid!r} is not a registry id; not applied")
        entries.sort(key=attrgetter("id"))
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

    def draft(self, members: list[int]) -> _Draft:
        """Name, acronym and country of an entry: its profile's, else the most used."""
        nodes = self.nodes
        if len(members) == 1 and nodes[members[0]].record is None:  # one node, no profile
            node = nodes[members[0]]
            used = node.uses
            name: str | None = self.best_name({t: used[t] for t in node.names}) if len(node.names) > 1 else \
                node.names[0] if node.names else _most({t: used[t] for t in node.labels})
            acronym = _most({t: used[t] for t in node.acronyms}) if len(node.acronyms) > 1 else \
                node.acronyms[0] if node.acronyms else None
            country = next(iter(node.countries)) if node.countries else None
            return _Draft(name or acronym or "", acronym, country, [], node.first, used.keys())
        group = [nodes[k] for k in members]
        first_mention = min([node.first for node in group])
        profiles = [self.mentions[node.first] for node in group if node.record is not None]
        if profiles:  # the profile's name, acronym and country; the others' counts only when it has none
            first = min(profiles, key=_RECORD)
            acronym = first.acronym or _most(_used(group, [t for node in group for t in node.acronyms]))
            return _Draft(first.name or "", acronym, first.country or _most(_countries(group)),
                          sorted({m.record for m in profiles}), first_mention, set().union(*[n.uses for n in group]))
        uses: dict[str, int] = {}
        for node in group:
            for t, n in node.uses.items():
                uses[t] = uses.get(t, 0) + n
        names = [t for node in group for t in node.names]
        name = self.best_name({t: uses[t] for t in names}) if len(names) > 1 else \
            names[0] if names else _most({t: uses[t] for node in group for t in node.labels})
        acronym = _most({t: uses[t] for node in group for t in node.acronyms})
        return _Draft(name or acronym or "", acronym, _most(_countries(group)), [], first_mention, uses.keys())

    def best_name(self, names: dict[str, int]) -> str:
        """The spelling of the most used words, then the most used spelling, without a leading article."""
        analyses, analyse = self.words.analyses, self.words.analyse
        keys = [(analyses.get(t) or analyse(t))[1] for t in names]
        if len(set(keys)) == 1:  # spellings of one set of words (most entries)
            best = list(names)
        else:
            bags: dict[str, int] = {}
            for key, n in zip(keys, names.values()):
                bags[key] = bags.get(key, 0) + n
            most = max(bags.values())
            best = [t for t, key in zip(names, keys) if bags[key] == most]
        if len(best) > 1:
            most = max([names[t] for t in best])
            best = [t for t in best if names[t] == most]
        if len(best) == 1:
            return best[0]
        fold_, articles = self.words.fold, self.rules.articles
        return min(best, key=lambda t: (fold_(t).split(" ", 1)[0] in articles, t))

    def assign_ids(self, drafts: dict[int, _Draft]) -> dict[int, str]:
        """A profiled organization keeps its record id; another gets a slug of its acronym (else name)."""
        ids: dict[int, str] = {}
        taken: set[str] = set()

        def claim(root: int, base: str, country: str | None) -> None:
            base = base or "organization"
            if base not in taken:
                chosen = base
            elif not country or (chosen := f"{base}-{country.lower()}") in taken:
                n = 2
                while f"{base}-{n}" in taken:
                    n += 1
                chosen = f"{base}-{n}"
            taken.add(chosen)
            ids[root] = chosen

        for profiles, r in sorted((d.profiles, r) for r, d in drafts.items() if d.profiles):
            if (base := profiles[0]) and base not in taken:  # `claim`, inlined for the common case
                taken.add(base)
                ids[r] = base
            else:
                claim(r, base, None)
        slugs: dict[str, str] = {"": ""}

        def slug(text: str) -> str:
            hit = slugs.get(text)
            if hit is None:
                hit = slugs[text] = slugify(text)
            return hit

        rest = [((slug(d.acronym or "") or slug(d.name), d.name, d.country or "", d.first), r)
                for r, d in drafts.items() if not d.profiles]
        for key, r in sorted(rest):
            if (base := key[0]) and base not in taken:
                taken.add(base)
                ids[r] = base
            else:
                claim(r, base, drafts[r].country)
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
