"""Field rules on real phrasings (taken from profile pages, with invented organizations)."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.models import Profile
from pipeline.run import Input, extract_document


def record(tmp_path: Path, text: str, name: str = "profile.txt") -> Profile:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = extract_document(Input(path, name))
    assert isinstance(result, Profile), result
    return result


EN_BODY = ("The Lakeside Network of Solidarity Enterprises (LNSE) is a regional network that links cooperatives, "
           "mutual societies and community enterprises across the lake region.")


def test_logo_caption_before_the_title_is_passed_over(tmp_path: Path) -> None:
    got = record(tmp_path, "LNSE\nlnse-logo.png\nLakeside Network of Solidarity Enterprises (LNSE)\n\n" + EN_BODY)
    assert (got.name, got.acronym) == ("Lakeside Network of Solidarity Enterprises", "LNSE")


def test_no_title_line_takes_the_name_from_the_first_sentence(tmp_path: Path) -> None:
    got = record(tmp_path, EN_BODY + "\n\nIt was founded in 2009 in Kisumu by 14 cooperatives.\n")
    assert (got.name, got.acronym, got.id) == ("Lakeside Network of Solidarity Enterprises", "LNSE", "lnse")
    assert "no_title" in {w.code for w in got.warnings}


def test_bare_region_and_member_since_value_on_the_next_line(tmp_path: Path) -> None:
    got = record(tmp_path, "Lakeside Network of Solidarity Enterprises (LNSE)\nEast Africa\n\nMember since:\n"
                           "September 2014\n\n" + EN_BODY)
    assert (got.region, got.member_since) == ("East Africa", "2014-09")


def test_member_since_without_colon(tmp_path: Path) -> None:
    got = record(tmp_path, "Lakeside Network of Solidarity Enterprises (LNSE)\nMember since 2016\n\n" + EN_BODY)
    assert got.member_since == "2016"


def test_title_parenthesis_with_translated_name_and_acronym(tmp_path: Path) -> None:
    got = record(tmp_path, "Réseau des Entreprises Solidaires du Lac (Lakeside Solidarity Network, RESL)\n\n"
                           "Le Réseau des Entreprises Solidaires du Lac (RESL) fédère des coopératives.\n")
    assert (got.name, got.acronym, got.aliases) == ("Réseau des Entreprises Solidaires du Lac", "RESL",
                                                    ["Lakeside Solidarity Network"])


@pytest.mark.parametrize(("text", "founded", "place", "count"), [
    ("It was set up on 3 March 2012 in Kisumu by a dozen cooperatives.", "2012-03-03", "Kisumu", 12),
    ("Founded in 2009 in Nairobi by seven women's groups, it now gathers more than 200 members.", "2009", "Nairobi", 7),
])
def test_founding_sentence(tmp_path: Path, text: str, founded: str, place: str, count: int) -> None:
    got = record(tmp_path, "Lakeside Network of Solidarity Enterprises (LNSE)\n\n" + EN_BODY + " " + text + "\n")
    assert (got.founded.date, got.founded.place, got.founding_members_count) == (founded, place, count)


@pytest.mark.parametrize(("text", "chair"), [
    ("Elle est présidée par Mme Aminata Diallo-Sow, élue en 2020.", "Aminata Diallo-Sow"),
    ("Le réseau est placé sous la présidence de M. Jean-Baptiste Ouédraogo.", "Jean-Baptiste Ouédraogo"),
])
def test_chair_without_honorific(tmp_path: Path, text: str, chair: str) -> None:
    got = record(tmp_path, "Réseau des Entreprises Solidaires du Lac (RESL)\n\nLe Réseau des Entreprises "
                           "Solidaires du Lac (RESL) fédère des coopératives et des mutuelles de la région. " + text)
    assert got.chair == chair


def test_prose_list_is_split_into_items(tmp_path: Path) -> None:
    got = record(tmp_path, "Red Solidaria del Lago (RSL)\n\nLa Red Solidaria del Lago (RSL) agrupa cooperativas.\n\n"
                           "La red persigue varios objetivos, entre los cuales: fortalecer a las cooperativas; "
                           "promover el comercio justo; y, formar a los jóvenes.\n")
    assert [o.text for o in got.objectives] == ["fortalecer a las cooperativas", "promover el comercio justo",
                                                "formar a los jóvenes"]


def test_flattened_project_table_splits_at_the_action_verb(tmp_path: Path) -> None:
    got = record(tmp_path, "Lakeside Network of Solidarity Enterprises (LNSE)\n\n" + EN_BODY + "\n\n"
                           "Project name Objectives\nFish Market Cooperative Build a cold store for 40 fishers\n"
                           "Green Credit for Market Gardeners Provide drip kits to 400 gardeners\n"
                           "Youth Hub\n  1. Train 30 young people\n  2. Open a workshop\n")
    assert [(p.name, p.objectives) for p in got.projects] == [
        ("Fish Market Cooperative", ["Build a cold store for 40 fishers"]),
        ("Green Credit for Market Gardeners", ["Provide drip kits to 400 gardeners"]),
        ("Youth Hub", ["Train 30 young people", "Open a workshop"])]


def test_contact_block_with_values_on_next_lines_and_empty_labels(tmp_path: Path) -> None:
    got = record(tmp_path, "Réseau des Entreprises Solidaires du Lac (RESL)\n\nLe Réseau des Entreprises "
                           "Solidaires du Lac (RESL) fédère des coopératives du Sénégal.\n\nCoordonnées\n\n"
                           "Adresse :\nRoute de Ngor, Dakar\nFax :\nTél./Fax : (+221) 33 820 11 22 / 77 645 90 12\n"
                           "Courriel : contact@resl.sn\nSite : resl.sn\n")
    assert got.contacts.model_dump() == {"address": "Route de Ngor, Dakar",
                                         "phones": ["+221338201122", "+221776459012"],
                                         "emails": ["contact@resl.sn"], "websites": ["resl.sn"]}
    assert got.country == "SN"


def test_country_from_phone_prefix_when_nothing_else_says_it(tmp_path: Path) -> None:
    got = record(tmp_path, "Lakeside Network of Solidarity Enterprises (LNSE)\n\n" + EN_BODY +
                 "\n\nContact\n\nPhone: +254 20 123 4567\n")
    assert (got.country, got.contacts.phones) == ("KE", ["+254201234567"])


def test_another_organization_with_its_own_acronym_is_not_an_alias(tmp_path: Path) -> None:
    got = record(tmp_path, "Lakeside Network of Solidarity Enterprises (LNSE)\n\n" + EN_BODY +
                 " It was created with the support of the Lakeside Network of Savings Enterprises (LNSAE). "
                 "The LSNE also works with women's groups.\n")
    assert got.aliases == ["LSNE"]


def test_cut_off_document_keeps_its_last_item_and_warns(tmp_path: Path) -> None:
    got = record(tmp_path, "Lakeside Network of Solidarity Enterprises (LNSE)\n\n" + EN_BODY +
                 "\n\nObjectives\n\n- Promote fair trade.\n- Support women's groups.\n- Build the capacity of the")
    assert got.objectives[-1].text == "Build the capacity of the"
    assert "truncated" in {w.code for w in got.warnings}


def test_trailing_page_furniture_is_not_part_of_the_last_section(tmp_path: Path) -> None:
    got = record(tmp_path, "Lakeside Network of Solidarity Enterprises (LNSE)\n\n" + EN_BODY +
                 "\n\nPartners\n\n- Lake Basin Authority\n- Kisumu County\n\nOur Members\n\n- Coop One\n- Coop Two\n")
    assert [p.name for p in got.partners] == ["Lake Basin Authority", "Kisumu County"]


def test_bold_numbered_and_upper_case_headings(tmp_path: Path) -> None:
    got = record(tmp_path, "**Union des Coopératives du Lac (UCL)**\n\nL'Union des Coopératives du Lac (UCL) a été "
                           "fondée en 2007 à Tanger par 12 coopératives.\n\n**OBJECTIFS :**\n\n- Former les "
                           "coopérateurs ;\n\n**1. Nos projets**\n\n1. Marché bio : ouvrir un point de vente\n",
                 name="profile.md")
    assert [o.text for o in got.objectives] == ["Former les coopérateurs"]
    assert [(p.name, p.objectives) for p in got.projects] == [("Marché bio", ["ouvrir un point de vente"])]


def test_the_name_after_an_elided_article_is_not_an_alias(tmp_path: Path) -> None:
    got = record(tmp_path, "Union des Coopératives du Lac (UCL)\n\nL'Union des Coopératives du Lac (UCL) fédère "
                           "des coopératives agricoles de la région.\n")
    assert got.aliases == []


def test_html_definition_lists_are_label_lines(tmp_path: Path) -> None:
    page = ("<html><body><main><h1>Red de Comercio Justo del Lago (RCJL)</h1><dl><dt>Región</dt><dd>América Latina"
            "</dd><dt>Miembro desde</dt><dd>2017</dd></dl><p>La Red de Comercio Justo del Lago (RCJL) agrupa a "
            "organizaciones campesinas del sur.</p><h2>Contacto</h2><dl><dt>Dirección</dt><dd>Av. Alemania 0281, "
            "Temuco</dd><dt>Teléfono / Fax</dt><dd>+56 45 221 3344</dd></dl></main></body></html>")
    got = record(tmp_path, page, name="profile.html")
    assert (got.region, got.member_since, got.contacts.address) == ("América Latina", "2017", "Av. Alemania 0281, Temuco")
    assert got.description.startswith("La Red")


def test_a_street_named_after_a_country_is_not_the_country(tmp_path: Path) -> None:
    got = record(tmp_path, "Red Solidaria del Lago (RSL)\n\nLa Red Solidaria del Lago (RSL) agrupa cooperativas.\n\n"
                           "Contacto\n\nDirección: Av. Alemania 0281, Temuco\nTeléfono: +56 45 221 3344\n")
    assert got.country == "CL"


def test_partners_listed_in_one_paragraph(tmp_path: Path) -> None:
    got = record(tmp_path, "Red Solidaria del Lago (RSL)\n\nLa Red Solidaria del Lago (RSL) agrupa cooperativas.\n\n"
                           "Aliados\n\nFundación Tierra Viva (FTV), Municipalidad de Temuco, Banco Solidario\n")
    assert [(p.name, p.acronym) for p in got.partners] == [("Fundación Tierra Viva", "FTV"),
                                                           ("Municipalidad de Temuco", None), ("Banco Solidario", None)]
