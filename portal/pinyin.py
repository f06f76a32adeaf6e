"""The one place that reads Chinese names as pinyin: search keys and generated usernames.

pypinyin is loaded without its phrase dictionary (about 40 MB per worker) and without copying its
character dictionary (nothing here adds custom readings). Without phrases a character gets its most
common reading, so the search key also carries the other readings of polyphonic characters: a
deputy named 曾伟 is found by "cengwei" as well as "zengwei".
"""
import os
from functools import lru_cache
from itertools import combinations, product

os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")

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
