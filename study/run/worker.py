"""One unit of work of a process pool or a job array: claim a group, train it, store it."""

from __future__ import annotations

from study import store
from study.spec import activations, user_activations, user_sources
from study.spec.config import GroupSpec
from study.store.provenance import git_commit
from study.train.engine import train_group


def train_and_store(results, spec: GroupSpec, progress=None) -> str:
    """Claims, trains and stores one group, the unit of work of a process pool or a job array.

    Returns "trained", or "skipped" when another live worker holds the group or has finished it.
    """
    user_sources.look_in(results)  # a user activation named by an earlier hash reads the source stored here
    claim = store.claim(results, spec)
    if claim is None:
        return "skipped"
    with claim:
        if store.is_done(results, spec):  # finished by another worker since the caller looked
            return "skipped"
        metrics, info = train_group(spec, progress=progress)
        users = {a: list(activations.get(a).values) for a in activations.users_in(spec.activations)}
        for name in users:  # its source beside its runs: they stay readable after the module changes
            user_sources.save(results, name, user_activations.sources[name])
        store.save(
            results, spec, metrics, {**info, "commit": git_commit(), **({"user_values": users} if users else {})}
        )
    return "trained"
