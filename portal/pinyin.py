"""The one place that reads Chinese names as pinyin: search keys and generated usernames.

pypinyin is loaded without its phrase dictionary (about 40 MB per worker) and without copying its
character dictionary (nothing here adds custom readings). Without phrases a character gets its most
common reading, so the search key also carries the other readings of polyphonic characters: a
deputy named 曾伟 is found by "cengwei" as well as "zengwei".
"""
import importlib.util
import os
import re
import sys
import types
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from functools import lru_cache
from itertools import accumulate, combinations, product
from pathlib import Path


class Readings(Mapping):
    """pypinyin's character dictionary (code point → "zhōng,zhòng"), read from its own JSON file into three arrays."""

    # pypinyin parses that file into a dict of 41,923 strings, then copies it to turn the keys into numbers: about
    # 7 MB resident in every worker. Here the code points, the readings' UTF-8 one after another and where each
    # starts take 0.6 MB; the converter only asks `in` and `[]`.
    KEYS = re.compile(rb'"(\d+)": "')
    VALUES = re.compile(rb'": "([^"\\]*)"')

    def __init__(self, raw: bytes):
        self._points = array("I", map(int, self.KEYS.findall(raw)))
        values = self.VALUES.findall(raw)
        self._readings = b"\n".join(values)
        self._starts = array("I", accumulate((len(value) + 1 for value in values), initial=0))

    @classmethod
    def of(cls, path: Path) -> "Readings | None":
        """The file's readings; None unless it is pypinyin's sorted {"code point": "readings"} (pypinyin reads it then)."""
        try:
            readings = cls(path.read_bytes())
        except OSError:
            return None
        points = readings._points
        if not points or len(readings._starts) != len(points) + 1 or any(a >= b for a, b in zip(points, points[1:])):
            return None
        return readings

    def __getitem__(self, point: int) -> str:
        index = bisect_left(self._points, point)
        if index == len(self._points) or self._points[index] != point:
            raise KeyError(point)
        return self._readings[self._starts[index]:self._starts[index + 1] - 1].decode()

    def __iter__(self):
        return iter(self._points)

    def __len__(self) -> int:
        return len(self._points)


def _compact_dictionary() -> None:
    """pypinyin's `pinyin_dict` module replaced by one holding `Readings`, before pypinyin imports it."""
    spec = importlib.util.find_spec("pypinyin")
    if "pypinyin.pinyin_dict" in sys.modules or spec is None or not spec.submodule_search_locations:
        return
    readings = Readings.of(Path(spec.submodule_search_locations[0]) / "pinyin_dict.json")
    if readings is not None:
        module = types.ModuleType("pypinyin.pinyin_dict", "pypinyin's character readings, compact (portal/pinyin.py)")
        module.pinyin_dict = readings
        sys.modules[module.__name__] = module


os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
_compact_dictionary()

from pypinyin import Style, lazy_pinyin, pinyin  # noqa: E402

MAX_READINGS = 3  # spellings of one name in its search key (names are 2–4 characters)


def readings(name: str) -> list[list[str]]:
    """The name's spellings, one syllable per character: the usual one first, then the other readings
    of its polyphonic characters, fewest changes first, at most MAX_READINGS."""
    syllables = [[option.lower() for option in options] for options in pinyin(name, style=Style.NORMAL, heteronym=True)]
    usual = [options[0] for options in syllables]
    spellings = [usual]
    for changes in range(1, len(syllables) + 1):
        for positions in combinations([i for i, options in enumerate(syllables) if len(options) > 1], changes):
            for others in product(*(syllables[i][1:] for i in positions)):
                spelling = list(usual)
                for i, other in zip(positions, others):
                    spelling[i] = other
                spellings.append(spelling)
                if len(spellings) == MAX_READINGS:
                    return spellings
    return spellings


@lru_cache(maxsize=4096)
def search_key(name: str) -> str:
    """What a search box matches: the name, its full pinyin and its initials (夏虹 xiahong xh), with the
    other readings of polyphonic characters (曾伟 cengwei zengwei cw zw)."""
    spellings = readings(name)
    full = dict.fromkeys("".join(spelling) for spelling in spellings)
    initials = dict.fromkeys("".join(syllable if syllable in name.lower() else syllable[:1] for syllable in spelling) for spelling in spellings)
    return " ".join([name, *full, *initials])


@lru_cache(maxsize=4096)
def spellings(name: str) -> str:
    """The name's readings in short, for a page with hundreds of names whose script builds the search key:
    syllables by spaces, readings by "|" (曾伟 → "zeng wei|ceng wei")."""
    return "|".join(" ".join(spelling) for spelling in readings(name))


def pinyin_username(name: str) -> str:
    """A login name from a Chinese name: its usual full pinyin (夏虹 → xiahong)."""
    return "".join(lazy_pinyin(name)).lower()
