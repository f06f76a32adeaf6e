"""Identical posts that race: each request is held at one point until all have reached it, so they meet there
together (on SQLite as on PostgreSQL), not one after the other: just before it first writes a new row of a model
(they meet the unique key), or, with no model, at its first locking read (SELECT … FOR UPDATE: they meet the lock)."""
import threading

from sqlalchemy import event
from sqlalchemy.orm import Session


def post_together(app, user_id: int, url: str, forms: list[dict], model=None) -> list:
    """Post each form to `url` at once, each from its own client logged in as the user; the responses, or errors raised."""
    barrier = threading.Barrier(len(forms))
    held = threading.local()
    outcomes: list = []

    def meet() -> None:
        if not getattr(held, "done", False):
            held.done = True
            barrier.wait(timeout=20)

    def before_new_row(session, _context, _instances) -> None:
        if any(isinstance(each, model) for each in session.new):
            meet()

    def before_locking_read(state) -> None:
        if getattr(state.statement, "_for_update_arg", None) is not None:
            meet()

    # Before the data version bump, which takes the write lock.
    hook = ("before_flush", before_new_row) if model is not None else ("do_orm_execute", before_locking_read)

    def post(client, data) -> None:
        try:
            outcomes.append(client.post(url, data=dict(data)))
        except Exception as error:  # a 500 under TESTING: reported to the test
            outcomes.append(error)

    clients = [app.test_client() for _ in forms]
    for client in clients:
        with client.session_transaction() as session:
            session["_user_id"] = f"{user_id}:1"
    event.listen(Session, *hook, insert=True)
    try:
        threads = [threading.Thread(target=post, args=(client, data)) for client, data in zip(clients, forms)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        event.remove(Session, *hook)
    return outcomes
