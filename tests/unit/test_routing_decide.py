"""Localized routing decisions on the demo city: every reason, their precedence, the file and the CLI."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from hotline import vocabulary as v
from hotline.cli.main import cli
from hotline.db.models import County, CountyDid, CountyPrefix, Queue
from hotline.db.service_models import Ticket
from hotline.db.session import Database
from hotline.routing import service
from hotline.routing.schema import RoutingFileError, parse_routing
from hotline.routing.store import load_routing, routing_table
from hotline.services.seed import COUNTIES, seed_demo
from hotline.settings import Settings

WORKDAY = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
NATIONAL_DAY = datetime(2026, 10, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DEMO = resources.files("hotline.routing").joinpath("demo.yaml").read_text(encoding="utf-8")


@pytest.fixture
def db(demo_database: Database) -> Database:
    return demo_database


def decide(
    db: Database, caller: str | None, dialed: str | None = "10109366", **kw: object
) -> service.Decision:
    with db.session() as session:
        return service.decide(session, caller, dialed, kw.pop("at", WORKDAY), **kw)  # type: ignore[arg-type]


def test_a_county_did_decides_before_anything_about_the_caller(db: Database) -> None:
    d = decide(db, "13800138002", "1010936603")  # a luohu member dialling Nanshan's own number
    assert (d.county, d.queue, d.reason) == ("nanshan", "nanshan", v.REASON_DID)
    assert d.detail == "dialled number 1010936603 is Nanshan's own number"
    assert decide(db, "anonymous", "+86 10 1093 6605").county == "longgang"


def test_a_known_member_goes_to_their_county_even_against_a_prefix(db: Database) -> None:
    d = decide(db, "+86 138-0013-8002")  # a Beijing mobile registered in Luohu
    assert (d.county, d.reason, d.number, d.kind) == ("luohu", v.REASON_MEMBER, "13800138002", "mobile")
    assert d.detail == "caller 13800138002 is a member registered in Luohu"
    d = decide(db, "075526880001")  # Nanshan's prefix 075526 and a Nanshan member: the member decides
    assert d.reason == v.REASON_MEMBER


def test_a_member_without_a_prefix_is_found_by_number(db: Database) -> None:
    assert (decide(db, "13922220004").county, decide(db, "13922220004").reason) == ("baoan", v.REASON_MEMBER)


@pytest.mark.parametrize(
    ("caller", "county", "number"),
    [
        ("075582123456", "luohu", "075582123456"),
        ("+86 755 8212 3456", "luohu", "075582123456"),
        ("0086 (755) 8212-3456", "luohu", "075582123456"),
        ("0755-8612-3456", "nanshan", "075586123456"),
        ("13500130042", "longgang", "13500130042"),
        ("+86 136 0013 0042", "baoan", "13600130042"),
    ],
)
def test_a_caller_prefix_decides_the_county(db: Database, caller: str, county: str, number: str) -> None:
    d = decide(db, caller)
    assert (d.county, d.queue, d.reason, d.number) == (county, county, v.REASON_PREFIX, number)


def test_the_prefix_detail_names_the_county_and_the_kind_of_prefix(db: Database) -> None:
    assert (
        decide(db, "075526880002").detail == "caller 075526880002 matches Nanshan's fixed-line prefix 075526"
    )
    assert decide(db, "13900130042").detail == "caller 13900130042 matches Luohu's mobile prefix 1390013"


def test_the_longest_prefix_wins(db: Database) -> None:
    with db.session() as session:
        futian = session.scalar(select(County).where(County.code == "futian"))
        assert futian is not None
        session.add(CountyPrefix(prefix="0755261", kind="fixed", county_id=futian.id))
    assert decide(db, "075526123456").county == "futian"
    assert decide(db, "075526223456").county == "nanshan"


def test_geocoding_decides_when_no_prefix_matches(db: Database) -> None:
    with db.session() as session:
        session.add(County(code="huizhou", name_zh="惠州市", name_en="Huizhou", area_code="0752"))
    d = decide(db, "0752-2123456")
    assert (d.county, d.reason) == ("huizhou", v.REASON_GEO)
    assert d.detail == "caller 07522123456 is located in 广东省惠州市, Huizhou"
    assert d.queue == "city"  # a county without queues: the center's


def test_an_undecided_city_caller_is_asked_and_waits_in_the_center_queue(db: Database) -> None:
    d = decide(db, "0755 1234 5678")
    assert (d.county, d.queue, d.reason, d.kind) == (None, "city", v.REASON_ASK, "fixed")
    assert "in the city (area code 0755)" in d.detail
    assert (d.overflow_queue, d.overflow_wait) == (None, None)
    other = decide(db, "13700000000")
    assert (other.county, other.reason) == (None, v.REASON_ASK)


@pytest.mark.parametrize(
    ("caller", "kind"),
    [
        (None, "withheld"),
        ("anonymous", "withheld"),
        ("12ab", "invalid"),
        ("'; DROP TABLE members;", "invalid"),
    ],
)
def test_withheld_or_malformed_callers_are_asked(db: Database, caller: str | None, kind: str) -> None:
    d = decide(db, caller)
    assert (d.county, d.queue, d.reason, d.kind, d.number) == (None, "city", v.REASON_ASK, kind, kind)
    assert "DROP" not in d.detail


def test_a_service_number_caller_is_asked(db: Database) -> None:
    d = decide(db, "12345")
    assert (d.county, d.reason, d.kind) == (None, v.REASON_ASK, "service")


def test_the_decision_carries_the_countys_hours_and_overflow(db: Database) -> None:
    d = decide(db, "13800138001", at=NATIONAL_DAY)
    assert (d.open, d.hours_reason) == (False, "public holiday: National Day")
    assert (d.overflow_queue, d.overflow_wait) == ("city", 60)
    ask = decide(db, None, at=NATIONAL_DAY)
    assert (ask.open, ask.hours_reason) == (True, "24/7")


def test_a_skill_picks_the_countys_skill_queue_else_its_general_queue(db: Database) -> None:
    with db.session() as session:
        futian = session.scalar(select(County.id).where(County.code == "futian"))
        session.add(Queue(name="futian_repair", county_id=futian, skill="repair"))
    assert decide(db, "13800138001", skill="repair").queue == "futian_repair"
    assert decide(db, "13800138001", skill="legal").queue == "futian"
    with db.session() as session:
        assert service.resolve_queue(session, "futian", "repair") == ("futian_repair", "city", 60)
        assert service.resolve_queue(session, None, None) == ("city", None, None)
        assert service.resolve_queue(session, "atlantis", None) == ("city", None, None)


def test_menu_names_and_hours_for_the_ivr(db: Database) -> None:
    with db.session() as session:
        assert service.county_menu(session) == {
            "1": "futian",
            "2": "luohu",
            "3": "nanshan",
            "4": "baoan",
            "5": "longgang",
        }
        assert service.county_names(session)["baoan"] == ("宝安区", "Bao'an")
        assert service.county_hours(session, "futian", NATIONAL_DAY).open is False
        assert service.county_hours(session, None, NATIONAL_DAY).open is True


def test_the_async_router_gives_the_same_answers(db: Database) -> None:
    router = service.Router(db, Settings(database_url=db.url))

    async def ask() -> tuple[
        service.Decision, tuple[bool, str], dict[str, str], tuple[str, str | None, int | None]
    ]:
        return (
            await router.decide("075582123456", "10109366", WORKDAY),
            await router.is_open("luohu", NATIONAL_DAY),
            await router.county_menu(),
            await router.resolve_queue("luohu", None),
        )

    decision, verdict, menu, queue = asyncio.run(ask())
    assert (decision.county, decision.reason) == ("luohu", v.REASON_PREFIX)
    assert verdict == (False, "public holiday: National Day")
    assert menu["2"] == "luohu"
    assert queue == ("luohu", "city", 60)


def test_the_demo_file_matches_the_seeded_counties() -> None:
    routing = parse_routing(DEMO, "demo.yaml")
    assert [(c.code, c.name_zh, c.name_en) for c in routing.counties] == [
        (c[0], c[1], c[2]) for c in COUNTIES
    ]
    assert routing.center == "city"


def test_seeding_twice_keeps_one_copy_of_routing_and_tickets(db: Database) -> None:
    with db.session() as session:
        seed_demo(session)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(CountyDid)) == 5
        assert session.scalar(select(func.count()).select_from(CountyPrefix)) == 11
        tickets = {t.number: (t.type, t.status) for t in session.scalars(select(Ticket))}
        assert tickets == {
            "20261120-0001": ("service", "dispatched"),
            "20261121-0001": ("service", "new"),
            "20261121-0002": ("complaint", "closed"),
            "20261122-0001": ("service", "accepted"),
            "20261123-0001": ("service", "in_service"),
            "20261124-0001": ("service", "closed"),
            "20261125-0001": ("consultation", "closed"),
            "20261126-0001": ("suggestion", "replied"),
            "20261127-0001": ("service", "new"),
            "20261128-0001": ("complaint", "measure_ordered"),
            "20261202-0001": ("service", "new"),
        }


def test_loading_replaces_numbers_and_keeps_unlisted_counties_without_the_center_flag(db: Database) -> None:
    text = DEMO.replace("center: city", "center: futian").replace('dids: ["1010936603"]', "dids: []")
    text = text[: text.index("  - code: city")] + text[text.index("  - code: futian") :]
    text = text.replace("    overflow: {queue: city, after: 60}\n", "")  # the city queue is not in this file
    with db.session() as session:
        summary = load_routing(session, parse_routing(text, "routing.yaml"))
    assert (summary["counties"], summary["updated"], summary["unlisted"], summary["dids"]) == (5, 5, 1, 4)
    with db.session() as session:
        table = routing_table(session)
    assert table.center == "futian"
    assert "city" in table.counties and not table.counties["city"].is_center
    assert "1010936603" not in table.dids


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"075586", "1370013"', '"07a5"', "counties[3] (nanshan): prefixes[1]: '07a5' is not digits"),
        (
            '"075586", "1370013"',
            "075527",
            "counties[3] (nanshan): prefixes[1]: 31575 must be written in quotes",
        ),
        (
            '"075586"',
            '"075583"',
            "counties[3] (nanshan): prefixes[1]: '075583' is already used by counties[1]",
        ),
        (
            '["1010936603"]',
            '["1010936601"]',
            "counties[3] (nanshan): dids[0]: '1010936601' is already used by",
        ),
        ('menu_digit: "3"', 'menu_digit: "1"', "counties[3] (nanshan): menu_digit: '1' is already used by"),
        ("center: city", "center: downtown", "center: 'downtown' is not one of the counties"),
        (
            "code: luohu",
            "code: futian",
            "counties[2] (futian): code: 'futian' is already used by counties[1]",
        ),
        ("code: luohu", "code: Luohu", "counties[2] (Luohu): code: 'Luohu' is not a code"),
        ("name_zh: 罗湖区", 'name_zh: " "', "counties[2] (luohu): name_zh: is empty"),
        ('open: "08:30", close: "18:00"', 'open: "18:30", close: "08:00"', "hours: open 18:30 is not before"),
        ("{queue: city, after: 60}", "{queue: town, after: 60}", "overflow: queue 'town' is not in the file"),
        ("    name_en: Luohu\n", "", "counties[2] (luohu): name_en: is missing"),
        (
            "    name_en: Luohu\n",
            "    name_en: Luohu\n    geo_names: []\n",
            "geo_names: is not a known field",
        ),
    ],
)
def test_schema_errors_name_the_entry_and_the_problem(old: str, new: str, message: str) -> None:
    assert old in DEMO
    with pytest.raises(RoutingFileError) as caught:
        parse_routing(DEMO.replace(old, new, 1), "routing.yaml")
    assert str(caught.value).startswith("routing.yaml: ")
    assert message in str(caught.value)


def test_unreadable_yaml_is_a_routing_file_error() -> None:
    with pytest.raises(RoutingFileError, match="routing.yaml is not valid YAML \\(line 1"):
        parse_routing("city: [", "routing.yaml")
    with pytest.raises(RoutingFileError, match="expected a mapping"):
        parse_routing("- a\n", "routing.yaml")


def run_cli(db: Database, tmp_path: Path, *args: str) -> tuple[int, str]:
    settings = Settings(database_url=db.url, home=tmp_path)
    result = CliRunner().invoke(cli, list(args), obj=settings)
    return result.exit_code, result.output


def test_cli_explain_prints_the_live_decision_as_json(db: Database, tmp_path: Path) -> None:
    code, out = run_cli(
        db, tmp_path, "routing", "explain", "0755-2688-0001", "--at", "2026-10-01T10:00", "--json"
    )
    assert code == 0, out
    data = json.loads(out)
    assert {k: data[k] for k in ("county", "queue", "reason", "number", "open", "hours_reason")} == {
        "county": "nanshan",
        "queue": "nanshan",
        "reason": "member",
        "number": "075526880001",
        "open": False,
        "hours_reason": "public holiday: National Day",
    }
    assert data["at"] == "2026-10-01T10:00:00+08:00"


def test_cli_explain_text_and_did(db: Database, tmp_path: Path) -> None:
    code, out = run_cli(
        db, tmp_path, "routing", "explain", "13800138001", "--to", "1010936604", "--at", "2026-02-14T09:00"
    )
    assert code == 0, out
    assert "reason   did: dialled number 1010936604 is Bao'an's own number" in out
    assert "hours    open: working Saturday (Spring Festival adjustment), 08:30–18:00" in out


def test_cli_explain_refuses_a_bad_time(db: Database, tmp_path: Path) -> None:
    code, out = run_cli(db, tmp_path, "routing", "explain", "13800138001", "--at", "tomorrow")
    assert code == 2
    assert "--at 'tomorrow' is not a time: give ISO 8601" in out


def test_cli_load_and_show(db: Database, tmp_path: Path) -> None:
    bad = tmp_path / "routing.yaml"
    bad.write_text(DEMO.replace('"075586"', '"07x586"'), encoding="utf-8")
    code, out = run_cli(db, tmp_path, "routing", "load", str(bad))
    assert code == 2
    assert "routing.yaml: counties[3] (nanshan): prefixes[1]: '07x586' is not digits" in out
    bad.write_text(DEMO, encoding="utf-8")
    code, out = run_cli(db, tmp_path, "routing", "load", str(bad))
    assert code == 0, out
    assert "6 counties (0 new, 6 updated, 0 unlisted kept), 5 DIDs, 11 prefixes" in out
    code, out = run_cli(db, tmp_path, "routing", "show", "--json")
    shown = json.loads(out)
    futian = next(c for c in shown["counties"] if c["code"] == "futian")
    assert futian["dids"] == ["1010936601"]
    assert futian["hours"] == {"days": "workdays", "open": "08:30", "close": "18:00"}
    assert futian["overflow"] == {"queue": "city", "after": 60}
    code, out = run_cli(db, tmp_path, "routing", "show")
    assert "  prefixes  075526 (fixed), 075586 (fixed), 1370013 (mobile)" in out
