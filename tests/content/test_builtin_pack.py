"""What a member sees from the shipped pack: the right counts, findable content, honest links."""

from typing import get_args
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError

from content import (
    BUILTIN_DIR,
    RESOURCE_CATEGORIES,
    ContentPack,
    ResourceCategory,
    load_pack,
    validate_dir,
)


@pytest.fixture(scope="module")
def pack() -> ContentPack:
    return load_pack()


def test_core_collections_have_the_published_counts(pack: ContentPack) -> None:
    assert len(pack.tips) == 5
    assert len(pack.lessons) == 5
    assert len(pack.principles) == 5
    assert len(pack.expectations) == 2


def test_principles_are_numbered_one_to_five_and_findable_by_number_or_id(
    pack: ContentPack,
) -> None:
    assert [principle.number for principle in pack.principles] == [1, 2, 3, 4, 5]
    for principle in pack.principles:
        assert pack.principle(principle.number) == principle
        assert pack.principle(principle.id) == principle
        assert principle.in_practice
    assert pack.principle(6) is None
    assert pack.principle("no-such-principle") is None


def test_every_resource_category_has_resources(pack: ContentPack) -> None:
    assert set(get_args(ResourceCategory)) == set(RESOURCE_CATEGORIES)
    assert ContentPack.RESOURCE_CATEGORIES["books-podcasts-webinars"] == (
        "Books, podcasts and webinars"
    )
    for category in RESOURCE_CATEGORIES:
        assert pack.resources_in(category=category), category


@pytest.mark.parametrize(
    ("query", "expected_id"),
    [
        ("lewisham", "south-east-london-primary-care"),
        ("South East London", "south-east-london-primary-care"),
        ("manchester", "greater-manchester-research"),
        ("llr", "llr-professional-leadership"),
        ("senate", "llr-professional-leadership"),
        ("wicked", "llr-professional-leadership"),
        ("ucch", "llr-ucch"),
        ("ambulance", "llr-ucch"),
        ("lucid", "llr-lucid"),
        ("norfolk", "norfolk-waveney-assembly-and-faculty"),
        ("assembly", "norfolk-waveney-assembly-and-faculty"),
        ("faculty", "norfolk-waveney-assembly-and-faculty"),
        ("lunch", "norfolk-waveney-lunch-and-learn"),
        ("journal club", "norfolk-waveney-lunch-and-learn"),
        ("surrey", "surrey-heartlands-hcpl"),
        ("HCPL", "surrey-heartlands-hcpl"),
        ("surrey", "surrey-growing-system-leaders"),
        ("growing", "surrey-growing-system-leaders"),
        ("gloucestershire", "gloucestershire-interface-prescribing"),
        ("prescribing", "gloucestershire-interface-prescribing"),
    ],
)
def test_case_studies_are_findable_by_what_people_type(
    pack: ContentPack, query: str, expected_id: str
) -> None:
    found = [study.id for study in pack.find_case_studies(query=query)]
    assert expected_id in found


def test_unrelated_query_finds_no_case_study(pack: ContentPack) -> None:
    assert pack.find_case_studies(query="zanzibar") == ()
    assert pack.find_case_studies(query="   ") == ()


def test_every_item_cites_a_source_with_title_publisher_and_date(pack: ContentPack) -> None:
    collections = (
        pack.tips,
        pack.lessons,
        pack.principles,
        pack.expectations,
        pack.resources,
        pack.case_studies,
        pack.professions,
        pack.forum_prompts,
        pack.lunch_topics,
    )
    for collection in collections:
        for item in collection:
            source = pack.source(item.source)
            assert source.title and source.publisher, item.id
            assert source.date.year >= 2021, item.id


def test_unknown_source_id_is_a_key_error(pack: ContentPack) -> None:
    with pytest.raises(KeyError):
        pack.source("no-such-source")


def test_every_link_is_an_https_home_page(pack: ContentPack) -> None:
    urls = [r.url for r in pack.resources if r.url] + [s.url for s in pack.sources if s.url]
    assert urls
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "https", url
        assert parts.path in ("", "/"), url
        assert not parts.query and not parts.fragment, url


def test_every_source_has_a_publisher_home_page(pack: ContentPack) -> None:
    assert all(source.url for source in pack.sources)


def test_every_principle_has_at_least_three_forum_prompts(pack: ContentPack) -> None:
    for principle in pack.principles:
        assert len(pack.prompts_for(principle=principle.id)) >= 3, principle.id


def test_lunch_topics_are_plentiful_and_linked_principles_exist(pack: ContentPack) -> None:
    assert len(pack.lunch_topics) >= 8
    for topic in pack.lunch_topics:
        if topic.principle is not None:
            assert pack.principle(topic.principle) is not None, topic.id


def test_professions_cover_the_published_list_plus_other(pack: ContentPack) -> None:
    names = {profession.name.lower() for profession in pack.professions}
    for expected in (
        "nurses",
        "gps",
        "primary care clinicians",
        "secondary care clinicians",
        "social care",
        "pathology",
        "public health",
        "adult and children's services",
        "healthcare scientists",
        "pharmacists",
    ):
        assert expected in names
    assert any(name.startswith("allied health professionals") for name in names)
    assert any(profession.id == "other" for profession in pack.professions)


def test_tips_can_be_filtered_by_topic(pack: ContentPack) -> None:
    assert {tip.id for tip in pack.tips_about(topic="Trust")} >= {"empathy-and-flexibility"}
    assert all(tip.question.endswith("?") for tip in pack.tips)


def test_pack_is_immutable(pack: ContentPack) -> None:
    with pytest.raises(ValidationError):
        pack.tips[0].title = "changed"  # type: ignore[misc]


def test_built_in_pack_is_loaded_once() -> None:
    assert load_pack() is load_pack()


def test_built_in_directory_is_valid_as_a_custom_pack() -> None:
    assert validate_dir(path=BUILTIN_DIR) == []
