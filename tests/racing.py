"""Identical posts that race: each request is held just before it first writes a new row of a model, until all
have looked for it, so they meet the unique key together (on SQLite as on PostgreSQL), not one after the other."""
import threading

from sqlalchemy import event
from sqlalchemy.orm import Session


def post_together(app, user_id: int, url: str, forms: list[dict], model) -> list:
    """Post each form to `url` at once, each from its own client logged in as the user; the responses, or errors raised."""
    barrier = threading.Barrier(len(forms))
    held = threading.local()
    outcomes: list = []

    def hold(session, _context, _instances) -> None:
        if not getattr(held, "done", False) and any(isinstance(each, model) for each in session.new):
            held.done = True
            barrier.wait(timeout=20)

    def post(client, data) -> None:
        try:
            outcomes.append(client.post(url, data=dict(data)))
        except Exception as error:  # a 500 under TESTING: reported to the test
            outcomes.append(error)

    clients = [app.test_client() for _ in forms]
    for client in clients:
        with client.session_transaction() as session:
            session["_user_id"] = f"{user_id}:1"
    event.listen(Session, "before_flush", hold, insert=True)  # before the data version bump, which takes the write lock
    try:
        threads = [threading.Thread(target=post, args=(client, data)) for client, data in zip(clients, forms)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        event.remove(Session, "before_flush", hold)
    return outcomes
