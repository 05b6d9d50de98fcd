"""What a command works on: the experiments named, the selection of the options, and the groups they make."""

from __future__ import annotations

import sys

from study.cli.parser import UsageError
from study.errors import check_choice
from study.run import pool as runner
from study.spec import activations, config, grid, user_sources


def experiments(names) -> list[grid.Experiment]:
    known = grid.discover()
    chosen = [known[check_choice("experiment", n, {**known, "all": None})] for n in names if n != "all"]
    return list(known.values()) if "all" in names else list({e.name: e for e in chosen}.values())


def fitting(args) -> list[grid.Experiment]:
    """The experiments named that the options fit; each other one is skipped with one line,
    and a selection that leaves none is refused in one line naming the seeds there are."""
    chosen = selection(args)
    named = experiments(args.experiments)
    misfits = {exp.name: why for exp in named if (why := chosen.misfit(exp))}
    kept = [exp for exp in named if exp.name not in misfits]
    if not kept:
        most = max(len(exp.seeds_of(chosen.profile)) for exp in named)
        why = next(iter(misfits.values()))
        raise UsageError(f"--seeds {args.seeds} fits none of the experiments named: {why} (choose 1-{most})")
    for name, why in misfits.items():
        print(f"skipped {name}: {why}", file=sys.stderr, flush=True)
    return kept


def selection(args) -> grid.Selection:
    if args.optimizer is not None:
        check_choice("optimizer", args.optimizer, config.OPTIMIZERS)
    return grid.Selection(args.profile, args.activations, args.seeds, args.epochs, args.optimizer, args.learning_rate)


def rerun_options(args) -> list[str]:
    """Every option the user gave, to repeat in hints: following one writes where they asked."""
    out = [] if args.out == config.home(args.profile, args.command) else ["--out", str(args.out)]
    return selection(args).options() + out


def specs_of(args):
    chosen, specs = selection(args), {}
    for exp in fitting(args):
        every = chosen.specs(exp) if getattr(args, "main_setting", False) else chosen.every_setting(exp)
        for s in every:
            specs.setdefault(s.key(), s)
    found = list(specs.values())
    if any(s.benchmark for s in found):  # a benchmark is kept per device: the one this process uses
        runner.quiet_import()  # the backend's start-up messages: nothing a user acts on
        from study.train import environment

        found = environment.on_this_device(found)
    return found


def resolve_user_activations(args):
    """A user's activation is imported and tried on a tensor before anything runs, and named from then
    on with the hash of its source (module:function@1a2b3c4d): hints and stored runs carry it."""
    if any(":" in a for a in args.activations or ()):
        runner.quiet_import()
        user_sources.look_in(args.out / "results")
        given, args.activations = args.activations, tuple(activations.get(a).name for a in args.activations)
        repeated = sorted({a for a in args.activations if args.activations.count(a) > 1})
        if repeated:  # mypkg.acts:mish and mypkg.acts:mish@<hash> are one activation
            raise UsageError(f"--activations names {', '.join(repeated)} more than once (with and without its hash)")
        for name, full in zip(given, args.activations, strict=True):
            if ":" in name:  # its full name, and the earlier versions whose runs are stored beside
                module, function = full.split("@")[0].split(":")
                earlier = user_sources.others(module, function, full)
                also = f"; runs of earlier sources are stored too: {', '.join(earlier)}" if earlier else ""
                print(f"activation {full}{also}", file=sys.stderr, flush=True)


def stored(args):
    from study.analysis.study import Study

    return Study(
        args.out,
        selection(args),
        fitting(args),
        rerun_options(args),
        subset=[] if "all" in args.experiments else args.experiments,
    )
