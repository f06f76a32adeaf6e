"""The deputy home's order: answers owed, records sent back, items not done, then the next meetings; started and done kept apart."""
from datetime import timedelta
from types import SimpleNamespace

from portal.campaigns.models import RecordState
from portal.main.services import deputy_agenda
from portal.meetings.models import Reply
from portal.meetings.notices import Notice
from portal.models import utcnow


def notice(hours: float, reply=None, closed=False) -> Notice:
    meeting = SimpleNamespace(starts_at=utcnow() + timedelta(hours=hours), closed=closed)
    return Notice(meeting, SimpleNamespace(reply=reply))


def test_the_agenda_puts_what_needs_the_deputy_first_and_keeps_the_rest_apart():
    items = [SimpleNamespace(id=n, retired=n == 5) for n in range(1, 7)]
    records = {1: SimpleNamespace(state=RecordState.VERIFIED), 2: SimpleNamespace(state=RecordState.RETURNED),
               5: SimpleNamespace(state=RecordState.RETURNED), 6: SimpleNamespace(state=RecordState.RECORDED)}
    started, owed, answered, later = notice(-1), notice(24), notice(48, Reply.ATTEND), notice(72, Reply.LEAVE)
    agenda = deputy_agenda(SimpleNamespace(items=items), records, [started, owed, answered, later], ["carry"])
    assert agenda.replies_owed == [owed] and agenda.carry_back == ["carry"]
    assert [i.id for i in agenda.sent_back] == [2] and [i.id for i in agenda.not_done] == [3, 4]
    assert agenda.next_meetings == [answered, later] and agenda.started == [started]
    assert [i.id for i in agenda.done] == [1, 5, 6]  # a retired item stays in the history, never as a task
    assert agenda.needs_count == 5


def test_without_a_campaign_only_meetings_and_answers_count():
    agenda = deputy_agenda(None, {}, [notice(2, closed=True)], [])
    assert agenda.needs_count == 0 and agenda.started and not agenda.done
