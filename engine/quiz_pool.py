"""The questions a quiz chooses from: the store's, under the quiz's --topic and --family, each with its share of
learners so far (the exposure cap reads it)."""
from torchquiz.engine import progress, selection
from torchquiz.engine.store import StoreError


class NoQuestions(StoreError):
    """The store holds no question matching the quiz's filters."""


def load_pool(store, topics, families):
    items = store.pool_items(topics, families)
    if not items:
        wanted = " matching " + ", ".join(f"--topic {t}" for t in topics) + " ".join(
            f" --family {f}" for f in families) if topics or families else ""
        raise NoQuestions(f"{store.path} holds no questions{wanted}. Add some with "
                          "`torchquiz bank build` or `torchquiz bank import SET.jsonl`")
    pool = selection.ItemPool(items)
    # The exposure cap needs each item's share of learners so far: from the store's counts,
    # so every quiz (and the simulation, which runs quizzes) sees the same figure.
    shares = progress.item_exposure(store)
    pool.exposure[:] = [shares.get(item.id, 0.0) for item in pool.items]
    return pool
