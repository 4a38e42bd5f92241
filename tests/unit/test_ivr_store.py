"""Flow versions in the database and the cache that hands new calls the newest one."""

from __future__ import annotations

import asyncio

import pytest

from hotline.db.models import IvrFlow
from hotline.db.session import Database
from hotline.ivr import store
from hotline.ivr.schema import FlowError, parse_flow

V1 = """
name: main
start: hello
nodes:
  hello: {type: play, prompt: welcome, next: bye}
  bye: {type: hangup, prompt: goodbye}
"""
V2 = V1.replace("prompt: welcome", "prompts: [welcome, welcome_language]")


def load(database: Database, text: str) -> tuple[int, bool]:
    with database.session() as session:
        row, created = store.load_flow(session, parse_flow(text, "main.yaml"), text)
        return row.version, created


def test_each_changed_text_is_a_new_version(database: Database) -> None:
    assert load(database, V1) == (1, True)
    assert load(database, V2) == (2, True)
    assert load(database, V1) == (3, True)  # going back is a new version too
    with database.session() as session:
        newest = store.newest(session, "main")
        assert newest is not None and newest.version == 3
        assert newest.source == V1 and newest.definition["start"] == "hello"
        assert [r.version for r in store.versions(session, "main")] == [1, 2, 3]
        assert store.flow_names(session) == [("main", 3)]


def test_an_unchanged_text_is_not_a_new_version(database: Database) -> None:
    load(database, V1)
    assert load(database, V1) == (1, False)
    with database.session() as session:
        assert len(store.versions(session, "main")) == 1


def test_versions_are_counted_per_flow_name(database: Database) -> None:
    load(database, V1)
    assert load(database, V1.replace("name: main", "name: night")) == (1, True)
    with database.session() as session:
        assert store.newest(session, "missing") is None
        assert store.flow_names(session) == [("main", 1), ("night", 1)]


def test_the_demo_flow_loads_once(database: Database) -> None:
    with database.session() as session:
        row, created = store.load_demo_flow(session)
        assert (row.name, row.version, created) == ("main", 1, True)
    with database.session() as session:
        assert store.load_demo_flow(session)[1] is False


def test_the_cache_picks_up_a_new_version_and_running_calls_keep_theirs(database: Database) -> None:
    cache = store.FlowCache(database)
    cache.VERSION_TTL = 0.0  # look at the database on every call

    async def scenario() -> None:
        assert await cache.current("main") is None
        load(database, V1)
        first = await cache.current("main")
        assert first is not None and first[0] == 1
        again = await cache.current("main")
        assert again is not None and again[1] is first[1]  # not parsed again
        load(database, V2)
        second = await cache.current("main")
        assert second is not None and second[0] == 2
        assert second[1].nodes["hello"].prompts == ("welcome", "welcome_language")
        assert first[1].nodes["hello"].prompts == ("welcome",)  # the old call's flow is intact

    asyncio.run(scenario())


def test_a_stored_definition_that_no_longer_validates_is_a_flow_error(database: Database) -> None:
    load(database, V1)
    with database.session() as session:
        row = store.newest(session, "main")
        assert row is not None
        row.definition = {**row.definition, "start": "gone"}
    with database.session() as session:
        row2 = session.get(IvrFlow, 1)
        assert row2 is not None
        with pytest.raises(FlowError, match="flow main version 1: start node 'gone' is not defined"):
            store.stored_flow(row2)


def test_the_cache_asks_the_database_at_most_once_per_ttl(database: Database) -> None:
    cache = store.FlowCache(database)
    cache.VERSION_TTL = 60.0

    async def scenario() -> tuple[int, int]:
        load(database, V1)
        first = await cache.current("main")
        load(database, V2)
        within = await cache.current("main")
        cache.VERSION_TTL = 0.0
        after = await cache.current("main")
        assert first is not None and within is not None and after is not None
        return within[0], after[0]

    assert asyncio.run(scenario()) == (1, 2)
