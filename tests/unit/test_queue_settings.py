"""Queue settings in the routing file: defaults, per-queue values, clear refusals, and what a load
writes for queues.conf and the dialplan."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dialplan.generators import ConfigInput, QueueConf
from dialplan.render import render_files
from hotline.db.models import Queue
from hotline.db.session import Database
from hotline.routing.schema import RoutingFileError, parse_routing
from hotline.routing.store import load_routing, show_routing

HEAD = 'city: {name_zh: 深圳市, name_en: Shenzhen, area_code: "0755"}\ncenter: city\n'
COUNTIES = """counties:
  - {code: city, name_zh: 市中心, name_en: City}
  - code: futian
    name_zh: 福田区
    name_en: Futian
    queues:
      - {name: futian}
      - {name: futian_repair, skill: repair, wrapup: 30, max_wait: 120, callback: false}
"""


def test_queues_take_the_file_defaults_unless_they_set_their_own(database: Database) -> None:
    text = (
        HEAD
        + "queue_defaults: {strategy: ringall, announce_every: 20, message_when_empty: false}\n"
        + COUNTIES
    )
    routing = parse_routing(text, "r.yaml")
    with database.session() as session:
        load_routing(session, routing)
    with database.session() as session:
        rows = {q.name: q for q in session.scalars(select(Queue))}
        shown = show_routing(session)
    general, repair = rows["futian"], rows["futian_repair"]
    assert (general.strategy, general.wrapup_time, general.max_wait, general.callback) == (
        "ringall",
        0,
        None,
        True,
    )
    assert (general.announce_frequency, general.message_when_empty) == (20, False)
    assert (repair.strategy, repair.wrapup_time, repair.max_wait, repair.callback) == (
        "ringall",
        30,
        120,
        False,
    )
    assert repair.skill == "repair" and repair.ring_timeout == 15
    futian = next(c for c in shown["counties"] if c["code"] == "futian")
    settings = {q["name"]: q["settings"] for q in futian["queues"]}
    assert settings["futian_repair"]["wrapup"] == 30 and settings["futian"]["announce_every"] == 20


@pytest.mark.parametrize(
    ("fragment", "message"),
    [
        ("queue_defaults: {announce_every: 5}\n", "announce_every 5 is too often"),
        ("queue_defaults: {strategy: fastest}\n", "'fastest' should be"),
        ("queue_defaults: {ring_timeout: 1}\n", "queue_defaults: ring_timeout"),
        ("queue_defaults: {colour: red}\n", "queue_defaults: colour: is not a known field"),
    ],
)
def test_bad_queue_settings_are_refused_naming_the_setting(fragment: str, message: str) -> None:
    with pytest.raises(RoutingFileError) as err:
        parse_routing(HEAD + fragment + COUNTIES, "r.yaml")
    assert message in str(err.value)


def test_a_bad_queue_setting_names_the_county_and_the_queue() -> None:
    bad = COUNTIES.replace("wrapup: 30", "wrapup: 30, announce_every: 3")
    with pytest.raises(RoutingFileError) as err:
        parse_routing(HEAD + bad, "r.yaml")
    assert "counties[1] (futian): queues[1]" in str(err.value)


def _config(queues: list[QueueConf]) -> ConfigInput:
    return ConfigInput(
        bind_host="127.0.0.1", sip_port=5060, http_port=8088, ami_port=5038, agi_port=4573, rtp_start=10000,
        rtp_end=10100, hotline_numbers=["12345"], carrier_addresses=["127.0.0.2"], default_queue="city",
        ari_app="hotline", language="zh", recording_format="wav", recordings_inner="/rec", directories={},
        ari_password="x", ami_secret="y", queues=queues,
    )  # fmt: skip


def test_queue_settings_reach_queues_conf_and_the_dialplan() -> None:
    queues = [
        QueueConf("futian", max_wait=120, announce_frequency=0, callback=False, message_when_empty=False)
    ]
    files = render_files(_config(queues))
    conf = files["queues.conf"]
    futian = conf.split("[futian]")[1]
    assert "joinempty = yes" in futian and "announce-position = no" in futian
    assert "context = " not in futian and "periodic-announce" not in futian
    city = conf.split("[city]")[1].split("[futian]")[0]  # the default queue, added with the defaults
    assert "joinempty = loose" in city and "context = hotline-queue-exit" in city
    dialplan = files["extensions.conf"]
    assert "HOTLINE_QMAXWAIT_futian = 120" in dialplan and "HOTLINE_QMESSAGE_futian = 0" in dialplan
    assert "HOTLINE_QMESSAGE_city = 1" in dialplan
