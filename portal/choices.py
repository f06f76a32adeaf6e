"""Choice lists shared by every area: what a search box matches, and deputies as large checkboxes."""
from wtforms import SelectChoice

from .pinyin import search_key


def deputy_choices(deputies) -> list[SelectChoice]:
    """Choices for a many-deputies field: the name, the community beside it, searchable by pinyin."""
    return [
        SelectChoice(d.id, d.name, render_kw={"detail": d.deputy.community.name if d.deputy else "", "search": search_key(d.name)})
        for d in deputies
    ]
