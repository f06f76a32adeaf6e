"""Choice lists shared by every area: what a search box matches, and deputies as large checkboxes."""
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from wtforms import SelectChoice


@lru_cache(maxsize=8192)
def pinyin_syllables(name: str) -> str:
    """The name's pinyin, lower case, one syllable (or run of other letters) per word: 夏虹 → "xia hong".

    Cached per process: a district's names are a few thousand and pypinyin is slow (a board asks 600 at once).
    """
    return " ".join(word for word in lazy_pinyin(name) if word.strip()).lower()


def search_key(name: str) -> str:
    """What a search box matches: the name, its full pinyin and its initials (夏虹 xiahong xh)."""
    return f"{name} {''.join(lazy_pinyin(name)).lower()} {''.join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()}"


def deputy_choices(deputies) -> list[SelectChoice]:
    """Choices for a many-deputies field: the name, the community beside it, searchable by pinyin."""
    return [
        SelectChoice(d.id, d.name, render_kw={"detail": d.deputy.community.name if d.deputy else "", "search": search_key(d.name)})
        for d in deputies
    ]
