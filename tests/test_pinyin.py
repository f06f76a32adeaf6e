import html
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

from portal.demo.people import ADMIN, DEPUTIES, STAFF
from portal.models import Role
from portal.pinyin import Readings, pinyin_username, search_key

ROOT = Path(__file__).resolve().parent.parent


def test_search_key_has_the_usual_pinyin_and_initials():
    assert search_key("夏虹").split()[:2] == ["夏虹", "xiahong"]
    assert "xh" in search_key("夏虹").split()
    assert search_key("张伟") == "张伟 zhangwei zw"


def test_a_polyphonic_surname_is_found_by_either_reading():
    words = search_key("曾伟").split()
    assert {"zengwei", "cengwei", "zw", "cw"} <= set(words)
    assert "changjiang" in search_key("王长江") and "zhangjiang" in search_key("王长江")
    assert {"shanxiong", "danxiong"} <= set(search_key("单雄").split())


def test_a_long_name_keeps_its_key_short():
    words = search_key("阿不都·热合曼").split()
    assert words[1] == "abudou·reheman"
    assert len(words) <= 1 + 4 + 4


def test_the_demo_usernames_are_the_names_usual_pinyin():
    names = {pinyin_username(name) for name, *_ in DEPUTIES}
    assert {"xiahong", "wangjianguo", "zhuhongmei", "donglihua", "fengzhiyuan"} <= names
    assert len(names) == len(DEPUTIES)
    assert ADMIN[0] == "admin" and [username for username, _ in STAFF] == ["staff1", "staff2", "staff3"]


def test_the_app_does_not_load_the_phrase_dictionary_and_reads_the_characters_compactly():
    probe = ("import sys; from portal import create_app; create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://'}); "
             "from portal.pinyin import search_key; search_key('曾伟'); "
             "print(sorted(m for m in ('pypinyin', 'pypinyin.phrases_dict') if m in sys.modules)); "
             "print(type(sys.modules['pypinyin.constants'].PINYIN_DICT).__name__)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-2:] == ["['pypinyin']", "Readings"]


def test_the_compact_readings_are_pypinyins_own(tmp_path):
    """Every character's readings as pypinyin's own file gives them; a file of another shape is left to pypinyin."""
    path = Path(importlib.util.find_spec("pypinyin").submodule_search_locations[0]) / "pinyin_dict.json"
    own = {int(point): text for point, text in json.loads(path.read_text(encoding="utf-8")).items()}
    readings = Readings.of(path)
    assert dict(readings) == own
    assert 0x66FE in readings and readings[0x66FE] == own[0x66FE] and 0x41 not in readings
    unsorted = tmp_path / "unsorted.json"
    unsorted.write_text('{\n"20320": "nǐ",\n"19968": "yī"\n}', encoding="utf-8")
    escaped = tmp_path / "escaped.json"
    escaped.write_text('{\n"19968": "y\\u012b"\n}', encoding="utf-8")
    assert Readings.of(unsorted) is None and Readings.of(escaped) is None and Readings.of(tmp_path / "none.json") is None


def test_a_choice_list_finds_a_deputy_by_either_reading(client, login, make_user):
    make_user(name="曾伟")
    login(make_user(Role.STAFF))
    page = html.unescape(client.get("/matters/new").get_data(as_text=True))
    searches = [s for s in re.findall(r'data-search="([^"]*)"', page) if s.startswith("曾伟")]
    assert len(searches) == 1 and "zengwei" in searches[0] and "cengwei" in searches[0]
