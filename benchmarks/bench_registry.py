"""Benchmark: the organization registry on 100,000 generated organization mentions.

Generates the mentions (seeded): a directory whose records each profile one organization
and list 3 to 20 partners; organization names recombined from English, French and Spanish
word lists (types, qualifiers, domains, demonyms or countries, regions), with acronyms
(that may collide), duplicates (a long tail of popular partners) and, for 30% of partner
mentions (`--variants`), another spelling: the other form of the name, a leading article,
another case, accents dropped, a typo, the acronym alone or dotted, "Name (ACR)", "&".
It writes them to a JSON Lines file, then, in this one process, times

  (a) reading the file and lower-casing every name, and
  (b) building the registry from the same file (`read_mentions` + `build_registry`: every
      entry, its mentions and merges, and each mention's entry id),

best of 3 each (CPU time of this process, the two taking turns), and prints the ratio
(b)/(a); target: under 10. It also times (b) with the ranking of the pairs to review,
which only `profiles names` asks for, and scores the merges against the generated truth
(pairwise precision and recall of the grouping of mentions).

    .venv/bin/python benchmarks/bench_registry.py [--mentions 100000] [--seed 7] [--variants 0.3]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.registry import Mention, build_registry, mention_json, name_rules, read_mentions  # noqa: E402

# (type, grammatical gender) and the domains, qualifiers and places of each language.
WORDS = {
    "en": {
        "types": [("Network", ""), ("Federation", ""), ("Union", ""), ("Association", ""), ("Platform", ""),
                  ("Alliance", ""), ("Council", ""), ("Fund", ""), ("Agency", ""), ("Ministry", ""),
                  ("Chamber", ""), ("Institute", ""), ("Foundation", ""), ("Collective", ""), ("Observatory", ""),
                  ("Cooperative", ""), ("Forum", ""), ("Coalition", "")],
        "qualifiers": {"": ["National", "Regional", "Provincial", "Local", "Interprofessional", "Rural", "Women's",
                            "Youth", "Urban", "Central", "General", "Independent", "United", "Mutual"]},
        "domains": ["of Social and Solidarity Economy", "for Fair Trade", "for Solidarity Finance",
                    "of Microfinance Institutions", "of Savings and Credit Cooperatives",
                    "of Agricultural Cooperatives",
                    "of Handicrafts", "for Sustainable Tourism", "of Youth and Sports", "for Vocational Training",
                    "for Employment", "for Ethical Finance", "of Organic Farmers", "of Health Mutuals",
                    "for Social Housing", "of Waste Pickers", "of Fishers", "of Social Enterprises",
                    "for Local Development", "of Women's Cooperatives", "of Dairy Producers", "of Argan Producers"],
        "places": [("Morocco", "Moroccan", "MA"), ("Senegal", "Senegalese", "SN"), ("Mali", "Malian", "ML"),
                   ("Ghana", "Ghanaian", "GH"), ("Tunisia", "Tunisian", "TN"), ("Kenya", "Kenyan", "KE"),
                   ("Canada", "Canadian", "CA"), ("Nigeria", "Nigerian", "NG"), ("Uganda", "Ugandan", "UG"),
                   ("Tanzania", "Tanzanian", "TZ"), ("Rwanda", "Rwandan", "RW"), ("Ethiopia", "Ethiopian", "ET")],
        "regions": ["Souss-Massa", "Guelmim", "Dakar", "Thiès", "Kumasi", "Ségou", "Ashanti", "Nairobi", "Mombasa",
                    "Kigali", "Quebec", "Ontario", "Lagos", "Kano", "Arusha", "Mauricie"],
        "of": "of", "article": "The",
    },
    "fr": {
        "types": [("Réseau", "m"), ("Fédération", "f"), ("Union", "f"), ("Association", "f"), ("Plateforme", "f"),
                  ("Collectif", "m"), ("Conseil", "m"), ("Fonds", "m"), ("Agence", "f"), ("Ministère", "m"),
                  ("Chambre", "f"), ("Institut", "m"), ("Fondation", "f"), ("Observatoire", "m"),
                  ("Coopérative", "f"), ("Mutuelle", "f"), ("Groupement", "m"), ("Coordination", "f")],
        "qualifiers": {"m": ["National", "Régional", "Provincial", "Local", "Interprofessionnel", "Rural", "Urbain",
                             "Central", "Général", "Indépendant", "Mutualiste", "Paysan", "Féminin"],
                       "f": ["Nationale", "Régionale", "Provinciale", "Locale", "Interprofessionnelle", "Rurale",
                             "Urbaine", "Centrale", "Générale", "Indépendante", "Mutualiste", "Paysanne",
                             "Féminine"]},
        "domains": ["de l'Économie Sociale et Solidaire", "du Commerce Équitable", "de la Finance Solidaire",
                    "des Institutions de Microfinance", "des Coopératives d'Épargne et de Crédit",
                    "des Coopératives Agricoles", "de l'Artisanat", "du Tourisme Durable",
                    "de la Jeunesse et des Sports", "de la Formation Professionnelle", "pour l'Emploi",
                    "des Agriculteurs Biologiques", "des Mutuelles de Santé", "pour l'Habitat Social",
                    "des Récupérateurs de Déchets", "des Pêcheurs Artisans", "des Entreprises Sociales",
                    "pour le Développement Local", "des Coopératives Féminines", "des Producteurs Laitiers",
                    "des Productrices d'Argan", "des Maraîchers"],
        "places": [("du Maroc", {"m": "Marocain", "f": "Marocaine"}, "MA"),
                   ("du Sénégal", {"m": "Sénégalais", "f": "Sénégalaise"}, "SN"),
                   ("du Mali", {"m": "Malien", "f": "Malienne"}, "ML"),
                   ("de Tunisie", {"m": "Tunisien", "f": "Tunisienne"}, "TN"),
                   ("du Burkina Faso", {"m": "Burkinabè", "f": "Burkinabè"}, "BF"),
                   ("du Cameroun", {"m": "Camerounais", "f": "Camerounaise"}, "CM"),
                   ("du Bénin", {"m": "Béninois", "f": "Béninoise"}, "BJ"),
                   ("du Togo", {"m": "Togolais", "f": "Togolaise"}, "TG"),
                   ("du Niger", {"m": "Nigérien", "f": "Nigérienne"}, "NE"),
                   ("de France", {"m": "Français", "f": "Française"}, "FR"),
                   ("de Côte d'Ivoire", {"m": "Ivoirien", "f": "Ivoirienne"}, "CI")],
        "regions": ["l'Oriental", "l'Occitanie", "Sfax", "Sousse", "Houet", "Kayes", "Ségou", "Bretagne",
                    "Normandie", "Souss-Massa", "Thiès", "Ziguinchor", "Bobo-Dioulasso", "Douala", "Parakou"],
        "of": "de", "article": "La",
    },
    "es": {
        "types": [("Red", "f"), ("Federación", "f"), ("Unión", "f"), ("Asociación", "f"), ("Plataforma", "f"),
                  ("Alianza", "f"), ("Consejo", "m"), ("Fondo", "m"), ("Agencia", "f"), ("Ministerio", "m"),
                  ("Cámara", "f"), ("Instituto", "m"), ("Fundación", "f"), ("Colectivo", "m"),
                  ("Cooperativa", "f"), ("Mutual", "f"), ("Coordinadora", "f"), ("Movimiento", "m")],
        "qualifiers": {"m": ["Nacional", "Regional", "Provincial", "Local", "Interprofesional", "Rural", "Urbano",
                             "Central", "General", "Independiente", "Mutualista", "Campesino"],
                       "f": ["Nacional", "Regional", "Provincial", "Local", "Interprofesional", "Rural", "Urbana",
                             "Central", "General", "Independiente", "Mutualista", "Campesina"]},
        "domains": ["de Economía Social y Solidaria", "de Comercio Justo", "de Finanzas Éticas",
                    "de Instituciones de Microfinanzas", "de Cooperativas de Ahorro y Crédito",
                    "de Cooperativas Agrarias", "de Artesanía", "de Turismo Sostenible", "de Juventud y Deportes",
                    "de Formación Profesional", "para el Empleo", "de Agricultores Ecológicos",
                    "de Mutuales de Salud", "de Vivienda Social", "de Recicladores", "de Pescadores Artesanales",
                    "de Empresas Sociales", "para el Desarrollo Local", "de Cooperativas de Mujeres",
                    "de Productores Lecheros", "de Caficultores", "de Economía Popular"],
        "places": [("de Colombia", {"m": "Colombiano", "f": "Colombiana"}, "CO"),
                   ("de Argentina", {"m": "Argentino", "f": "Argentina"}, "AR"),
                   ("de España", {"m": "Español", "f": "Española"}, "ES"),
                   ("del Perú", {"m": "Peruano", "f": "Peruana"}, "PE"),
                   ("de México", {"m": "Mexicano", "f": "Mexicana"}, "MX"),
                   ("de Chile", {"m": "Chileno", "f": "Chilena"}, "CL"),
                   ("del Ecuador", {"m": "Ecuatoriano", "f": "Ecuatoriana"}, "EC"),
                   ("de Bolivia", {"m": "Boliviano", "f": "Boliviana"}, "BO"),
                   ("del Uruguay", {"m": "Uruguayo", "f": "Uruguaya"}, "UY"),
                   ("del Paraguay", {"m": "Paraguayo", "f": "Paraguaya"}, "PY")],
        "regions": ["Andalucía", "Cataluña", "Antioquia", "Cundinamarca", "Mendoza", "Córdoba", "Cusco",
                    "Jalisco", "Oaxaca", "Valparaíso", "Triana", "Galicia", "Santander", "Arequipa", "Guayas"],
        "of": "de", "article": "La",
    },
}
ORGS: list[Any] = []  # the organizations of the last `generate` (to inspect errors)
_STOP = {"of", "for", "and", "the", "de", "du", "des", "la", "le", "l", "d", "et", "pour", "y", "del", "para",
         "el", "e", "los", "las", "a", "en", "au", "aux"}


@dataclass(frozen=True)
class Org:
    lang: str
    forms: tuple[str, ...]  # equivalent full names (demonym form, country form, reordered ...)
    acronym: str
    country: str


def initials(name: str) -> str:
    words = [w for w in name.replace("'", " ").replace("’", " ").split() if w.lower() not in _STOP]
    return "".join(w[0] for w in words).upper()


def make_org(rng: random.Random) -> Org:
    lang = rng.choice(("en", "en", "fr", "fr", "es"))
    w = WORDS[lang]
    kind, gender = rng.choice(w["types"])
    qualifier = rng.choice(w["qualifiers"][gender]) if rng.random() < 0.6 else ""
    domain = rng.choice(w["domains"])
    head = f"{qualifier} {kind}" if lang == "en" and qualifier else f"{kind} {qualifier}".strip()
    region = rng.choice(w["regions"]) if rng.random() < 0.35 else None
    place = rng.choice(w["places"])
    country = place[2]
    if lang == "en":
        demonym_form = f"{place[1]} {head} {domain}"
        country_form = f"{head} {domain} of {place[0]}"
    else:
        demonym = place[1][gender]
        demonym_form = f"{kind} {demonym} {qualifier} {domain}".replace("  ", " ")
        country_form = f"{head} {domain} {place[0]}"
    if region:  # a regional body: the region names it, the country stays implied
        forms: tuple[str, ...] = (f"{head} {domain} {w['of']} {region}",)
    else:
        forms = (demonym_form, country_form)
    acronym = initials(forms[0])
    if rng.random() < 0.2:
        acronym += "-" + initials(region or place[0])[:2]
    return Org(lang, forms, acronym, country)


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def typo(rng: random.Random, text: str) -> str:
    words = text.split()
    long = [i for i, x in enumerate(words) if len(x) > 5]
    if not long:
        return text
    i = rng.choice(long)
    word = words[i]
    j = rng.randrange(1, len(word) - 1)
    words[i] = word[:j] + word[j + 1:] if rng.random() < 0.5 else word[:j] + word[j + 1] + word[j] + word[j + 2:]
    return " ".join(words)


def dotted(acronym: str) -> str:
    return ".".join(acronym.replace("-", "")) + "."


def variant(rng: random.Random, org: Org, share: float) -> tuple[str | None, str | None]:
    """One partner mention of `org`, as a profile would list it: (name, acronym).

    Most are written the organization's usual way (its name, with or without its acronym);
    `share` of them another way: the other form of the name, a leading article, another
    case, accents dropped, a typo, the acronym alone (maybe dotted), "Name (ACR)", "&".
    """
    if rng.random() >= share:
        return org.forms[0], org.acronym if rng.random() < 0.6 else None
    name = rng.choice(org.forms)
    article = WORDS[org.lang]["article"]
    spellings: list[Callable[[], tuple[str | None, str | None]]] = [
        lambda: (name, org.acronym),
        lambda: (name, None),
        lambda: (org.acronym, None),
        lambda: (f"{article} {name}", org.acronym),
        lambda: (name.lower(), None),
        lambda: (name.upper(), None),
        lambda: (strip_accents(name), org.acronym),
        lambda: (typo(rng, name), None),
        lambda: (f"{name} ({org.acronym})", None),
        lambda: (dotted(org.acronym), None),
        lambda: (name.replace(" and ", " & ").replace(" et ", " & ").replace(" y ", " & "), org.acronym),
    ]
    return rng.choices(spellings, weights=[10, 10, 15, 8, 6, 3, 10, 10, 12, 4, 4])[0]()


def generate(n: int, seed: int, share: float = 0.3) -> tuple[list[Mention], list[int]]:
    """`n` mentions and the organization each names (the truth, to measure the merges).

    A directory: each record profiles one organization (with its aliases) and lists 3 to 20
    partners, drawn with a long tail (some are partners of many); n / 6 organizations,
    distinct names, acronyms that may collide; `share` of partner mentions are variants.
    """
    rng = random.Random(seed)
    orgs: list[Org] = []
    names: set[str] = set()
    while len(orgs) < max(1, n // 6):  # distinct organizations have distinct names
        org = make_org(rng)
        if strip_accents(org.forms[0]).lower() not in names:
            names.add(strip_accents(org.forms[0]).lower())
            orgs.append(org)
    weights = [1 / (1 + i) ** 0.7 for i in range(len(orgs))]
    profiled = rng.sample(range(len(orgs)), k=len(orgs))
    out: list[Mention] = []
    truth: list[int] = []
    record = 0
    while len(out) < n:
        o = profiled[record % len(profiled)]
        record += 1
        rid = f"rec-{record}"
        org = orgs[o]
        truth.append(o)
        aliases = tuple(org.forms[1:]) + ((org.acronym.replace("-", ""),) if "-" in org.acronym else ())
        out.append(Mention(rid, "", org.forms[0], org.acronym, aliases, org.country))
        for i in range(rng.randint(3, 20)):
            o = rng.choices(range(len(orgs)), weights=weights)[0] if rng.random() < 0.5 else rng.randrange(len(orgs))
            name, acronym = variant(rng, orgs[o], share)
            out.append(Mention(rid, f"/partners/{i}", name, acronym))
            truth.append(o)
    global ORGS
    ORGS = orgs
    return out[:n], truth[:n]


def pair_quality(truth: Sequence[int], found: Sequence[str]) -> tuple[float, float]:
    """Pairwise precision and recall of the registry's grouping of the mentions against the truth."""
    def pairs(counts: Counter[Any]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    both = pairs(Counter(zip(truth, found)))
    return both / max(1, pairs(Counter(found))), both / max(1, pairs(Counter(truth)))


def best_of(times: int, *funcs: Callable[[], object]) -> list[float]:
    """The best CPU time of this process for each function over `times` rounds, the functions taking
    turns: on a shared machine, other processes' load moves wall-clock times, hardly CPU times.
    What a function returns is freed after its timing."""
    best = [float("inf")] * len(funcs)
    for _ in range(times):
        for n, func in enumerate(funcs):
            started = time.process_time()
            result = func()
            best[n] = min(best[n], time.process_time() - started)
            del result  # freed outside the timing: the work measured is building, not tearing down
    return best


def read_and_lower(path: Path) -> list[str]:
    """The baseline: read every mention and lower-case every name in it."""
    out = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            d = json.loads(line)
            out += [t.lower() for t in (d["name"], d["acronym"], *d["aliases"]) if t]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mentions", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--variants", type=float, default=0.3, metavar="SHARE",
                    help="share of partner mentions not written the usual way (default: 0.3)")
    ap.add_argument("--keep", type=Path, help="write the generated mentions here (else a temporary file)")
    ap.add_argument("--rounds", type=int, default=3, help="best of how many runs (default: 3)")
    args = ap.parse_args()
    mentions, truth = generate(args.mentions, args.seed, args.variants)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "mentions.jsonl"
        path.write_text("".join(json.dumps(mention_json(m), ensure_ascii=False) + "\n" for m in mentions),
                        encoding="utf-8")
        name_rules()  # the word lists are loaded once per process, as in a run
        baseline, build, review = best_of(args.rounds, lambda: read_and_lower(path),
                                          lambda: build_registry(read_mentions(path)),
                                          lambda: build_registry(read_mentions(path)).uncertain)
        registry = build_registry(read_mentions(path))
    names = sum(1 for m in mentions for t in (m.name, m.acronym, *m.aliases) if t)
    print(f"{len(mentions):,} mentions ({names:,} names), {len(registry.entries):,} organizations, "
          f"{len(registry.uncertain):,} uncertain pairs")
    precision, recall = pair_quality(truth, registry.refs)
    print(f"merges against the generated truth: pairwise precision {precision:.3f}, recall {recall:.3f}")
    print(f"(a) read + lower-case:              {baseline * 1000:8.1f} ms")
    print(f"(b) build registry (entries, refs): {build * 1000:8.1f} ms   (b)/(a) = {build / baseline:.1f}x")
    print(f"    ... and rank the pairs to review: {review * 1000:6.1f} ms   = {review / baseline:.1f}x")
    print(f"ratio (b)/(a): {build / baseline:.1f}x  (target < 10x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
