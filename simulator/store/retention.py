"""Retention: sessions not touched for ``SIMULATOR_RETENTION_DAYS`` days are deleted, with their
messages, debriefs and model calls, when the app starts and by ``simulator data purge``."""

from __future__ import annotations

import datetime as dt

from simulator.store.db import Store


def purge(store: Store, days: int, *, now: dt.datetime | None = None) -> int:
    """Delete the sessions last touched more than `days` days ago; returns how many."""
    if days <= 0:
        raise ValueError(f"retention must be a positive number of days, not {days}")
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    return store.purge_before(cutoff)
