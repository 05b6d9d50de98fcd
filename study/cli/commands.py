"""The commands: list, run, status, figures, report, crosscheck."""

from __future__ import annotations

import os
import shlex
import sys
import time
from collections import Counter

from study.cli.parser import UsageError
from study.cli.selection import rerun_options, specs_by_setting, specs_of, stored
from study.commands import command
from study.errors import MissingInput
from study.run import backends as training_backends
from study.run import cluster, estimate
from study.run import pool as runner
from study.spec import activations, config, datasets, grid


def cmd_list(args):
    found = grid.discover().values()
    name, claims = max(len(e.name) for e in found), max(len(", ".join(e.claims)) for e in found)
    for exp in found:
        print(f"{exp.name:<{name}}  {', '.join(exp.claims):<{claims}}  {exp.title}")
    print("settings (each experiment's main one, and those it is repeated in, per profile):")
    for exp in found:
        per_profile = [f"{p}: {', '.join(exp.settings(p)) or '-'}" for p in config.PROFILES if p != "smoke"]
        print(f"  {exp.name:<{name}}  {'; '.join(per_profile)}")
    print("  " + "; ".join(f"{k}: {v}" for k, v in grid.SETTING_TEXT.items() if k != grid.MAIN_SETTING))
    print(f"activations ({len(activations.ACTIVATIONS)}): {', '.join(activations.ACTIVATIONS)}")
    print("profiles: " + "; ".join(f"{p.name} ({p.description})" for p in config.PROFILES.values()))


def say(text):
    print(text, file=sys.stderr, flush=True)


def cmd_run(args):
    specs = specs_of(args)  # every check happens before anything is trained or written
    from study import store

    results = args.out / "results"
    states = store.states(results, specs)
    todo = [s for s in specs if states[s.key()] != store.FINISHED]
    check_user_values(results, [s for s in specs if states[s.key()] == store.FINISHED])
    say(f"{len(specs)} groups, {len(specs) - len(todo)} already finished; profile {args.profile}, results in {results}")
    for key, why in store.damaged(states).items():
        say(f"damaged, will be retrained: {results / 'runs' / key} ({why})")
    for path in store.misplaced(results, todo):
        store.repair(path)
        say(f"repaired: {path} held something other than a lock file; removed")
    if not todo:
        return
    datasets.check_available({s.dataset for s in todo})  # before any worker starts: one line on what is missing
    if args.executor != "local":
        return _submit(args, todo, results)
    jobs = min(args.jobs, len(todo), os.cpu_count() or 1)
    if jobs < args.jobs:
        say(f"--jobs {args.jobs} capped at {jobs} ({len(todo)} groups to train, {os.cpu_count()} cores)")
    if guess := estimate.estimate(todo, results):
        say(guess.line([jobs]))
    runner.quiet_import()  # TensorFlow's start-up messages: nothing a user acts on
    try:
        counts = _train(todo, results, jobs)
        held = [s for s in todo if not store.is_done(results, s)]
        if held:  # another worker trains them: this command ends when they are finished, or trains them itself
            say(f"waiting for {len(held)} group(s) another worker is training ({command('status')} shows them)")
            counts["trained"] += _wait_for(held, results)
    except (runner.Interrupted, KeyboardInterrupt):
        done = sum(store.is_done(results, s) for s in specs)
        resume = command("run", *args.experiments, *rerun_options(args))
        say(f"interrupted: {done} of {len(specs)} groups are finished and stored; resume with: {resume}")
        raise runner.Interrupted from None
    say(f"{counts['trained']} groups trained, {counts['skipped']} skipped (taken by another worker)")


def check_user_values(results, finished):
    """Refuses a user activation that computes other values than those stored with its runs: they would be
    reused as its runs, and they are not."""
    from study import store
    from study.spec import user_activations

    for spec in (s for s in finished if activations.users_in(s.activations)):
        for name, values in store.read_config(results, spec)["run"].get("user_values", {}).items():
            if not user_activations.same_values(activations.get(name), values):
                raise UsageError(
                    f"activation '{name}' computes other values than when its runs in {results} were stored: "
                    "it depends on more than its source (an environment variable, a file?), which its name cannot "
                    "tell apart; make it depend on its source alone"
                )


def _train(todo, results, jobs) -> Counter:
    """Trains the groups with one progress bar (epochs, with the groups and models done, the time spent and
    an estimate of the time left); a benchmark times its activations after the training, alone."""
    from tqdm import tqdm

    counts, done = Counter(), Counter()
    total = {"groups": len(todo), "models": sum(len(s.activations) * len(s.seeds) for s in todo)}
    with tqdm(
        total=sum(s.epochs for s in todo),
        unit="epoch",
        file=sys.stderr,
        dynamic_ncols=True,
        bar_format="{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} epochs [{elapsed}<{remaining}]",
        desc=", ".join(f"{k} 0/{n}" for k, n in total.items()),
    ) as bar:

        def on_group(spec, outcome):
            done["groups"] += 1
            done["models"] += len(spec.activations) * len(spec.seeds)
            if outcome == "skipped":  # its epochs will never come
                bar.total -= spec.epochs
            bar.set_description_str(", ".join(f"{k} {done[k]}/{n}" for k, n in total.items()))

        trained, timed = [s for s in todo if not s.benchmark], [s for s in todo if s.benchmark]
        for specs_now, jobs_now in [(trained, jobs), (timed, 1)]:
            if specs_now:
                counts += runner.run(specs_now, results, min(jobs_now, len(specs_now)), lambda: bar.update(1), on_group)
    return counts


def _wait_for(held, results, poll: float = 2.0, take_over: bool = True) -> int:
    """Waits until another worker has finished these groups; one whose worker is gone is trained here
    (with take_over; else left missing). Returns how many were trained here."""
    from study import store

    trained, held = 0, list(held)
    while held:
        time.sleep(poll)
        for spec in list(held):
            if store.is_done(results, spec):
                held.remove(spec)
            elif store.holder(results, spec) is not None:
                continue
            elif take_over:  # its worker died: take it over
                trained += runner.run([spec], results, 1, lambda: None, lambda s, o: None)["trained"]
            else:
                held.remove(spec)
    return trained


def resources(args) -> cluster.Resources:
    try:
        resources = cluster.Resources.from_file(args.cluster_config)
    except (OSError, ValueError, TypeError) as exc:  # unreadable, not TOML, or an unknown or mistyped setting
        raise UsageError(f"--cluster-config: {exc}") from None
    for name in ("partition", "time", "mem", "cpus", "gpus", "groups_per_task", "parallel"):
        if getattr(args, name) is not None:
            setattr(resources, name, getattr(args, name))
    return resources


def _submit(args, todo, results):
    """The groups still to train, as one job array; with --wait, its outcome."""
    from study import store

    logs = args.out / "logs"
    try:
        jobs = cluster.submit(todo, results, logs, args.executor, resources(args))
    except cluster.Refused as exc:
        raise UsageError(str(exc)) from None
    status = command("status", *args.experiments, *rerun_options(args))
    say(
        f"submitted job array {jobs[0].job_id.split('_')[0]}: {len(jobs)} tasks for {len(todo)} groups "
        f"({args.executor}); logs in {logs}; progress: {status}"
    )
    if not args.wait:
        return
    counts, failures = cluster.wait(jobs, args.executor)
    for line in failures:
        say(line)
    say(f"{counts['trained']} groups trained, {counts['skipped']} skipped (taken by another worker)")
    held = [s for s in todo if not store.is_done(results, s) and store.holder(results, s) is not None]
    if held:  # skipped here because another submission's task trains them: the sweep ends with them
        say(f"waiting for {len(held)} group(s) another worker is training ({command('status')} shows them)")
        _wait_for(held, results, take_over=False)
    missing = sum(not store.is_done(results, s) for s in todo)
    if missing:
        raise MissingInput(
            f"{missing} of {len(todo)} groups did not finish; resubmit with: {command(*map(shlex.quote, args.argv))}"
        )


def cmd_status(args):
    from study import store

    by_setting = specs_by_setting(args)
    specs = [s for group in by_setting.values() for s in group]
    results = args.out / "results"
    finished, running, damaged, missing = [], [], [], []
    for s in specs:
        state = store.state(results, s)
        held = store.holder(results, s) if state != store.FINISHED else None
        (
            finished
            if state == store.FINISHED
            else running
            if held is not None
            else missing
            if state == store.ABSENT
            else damaged
        ).append((s, held or state))
    print(
        f"{len(specs)} groups in {results}: {len(finished)} finished, {len(running)} running, "
        f"{len(damaged)} damaged, {len(missing)} missing"
    )
    if len(by_setting) > 1:  # where the groups left are: one setting may be trained alone (run --setting)
        done = {s.key() for s, _ in finished}
        print(
            "by setting: "
            + "; ".join(
                f"{name} {sum(s.key() in done for s in group)} of {len(group)}" for name, group in by_setting.items()
            )
        )
    for s, held in running:
        print(
            f"running  {s.key()}  depth {s.depth}, {s.optimizer} {s.learning_rate:g}: "
            f"{held.get('host', '?')} pid {held.get('pid', '?')} since {held.get('started', '?')}"
        )
    for s, why in damaged:
        print(f"damaged  {s.key()}  {why}")
    if damaged or missing:
        left = [s for s, _ in damaged + missing]
        guess = estimate.estimate(left, results)
        cores = os.cpu_count() or 1
        print(guess.line(sorted({1, min(cores, len(left))})) if guess else "time left: no stored group to tell from")
        print("finish the rest with: " + command("run", *args.experiments, *rerun_options(args)))


def cmd_figures(args):
    from study.report import figures

    for path in figures.draw_all(stored(args), args.out / "figures"):
        print(path)


def cmd_report(args):
    from study import report
    from study.report import figures

    study = stored(args)
    drawn = figures.draw_all(study, args.out / "figures") if args.with_figures else []
    for path in [*drawn, *report.write(study, args.out / "report")]:
        print(path)


def cmd_crosscheck(args):
    from study.report import backends as comparison  # the claims, only once they are needed

    backends = args.backends or training_backends.installed()
    options = rerun_options(args)
    options = options[: options.index("--out")] if "--out" in options else options
    for b in backends:
        say(f"{b}: {command('run', *args.experiments, *options)}")
        say(f"{b}: finished in {training_backends.train(b, args.experiments, options, args.jobs, args.out):.0f} s")
    study = stored(args)
    table = comparison.compare({b: comparison.on_backend(study, b) for b in backends})
    with pd_display():
        print(table.to_string())
    print(comparison.disagreements(table))


def pd_display():
    import pandas as pd

    return pd.option_context("display.width", 250, "display.max_columns", 30, "display.max_colwidth", 60)


COMMANDS = {
    "list": cmd_list,
    "run": cmd_run,
    "status": cmd_status,
    "crosscheck": cmd_crosscheck,
    "figures": cmd_figures,
    "report": cmd_report,
}
