"""What a command works on: the experiments named, the selection of the options, and the groups they make."""

from __future__ import annotations

import sys
from dataclasses import replace

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
    and a selection that leaves none is refused in one line naming the seeds (or settings) there are."""
    chosen = selection(args)
    named = experiments(args.experiments)
    misfits = {exp.name: why for exp in named if (why := chosen.misfit(exp))}
    setting = getattr(args, "setting", None)
    if setting not in (None, grid.MAIN_SETTING):
        for exp in named:
            if exp.name not in misfits and setting not in exp.settings(chosen.profile):
                misfits[exp.name] = f"not repeated in the '{setting}' setting in the {chosen.profile} profile"
    kept = [exp for exp in named if exp.name not in misfits]
    if not kept and any(chosen.misfit(exp) for exp in named):
        most = max(len(exp.seeds_of(chosen.profile)) for exp in named)
        why = next(iter(misfits.values()))
        raise UsageError(f"--seeds {args.seeds} fits none of the experiments named: {why} (choose 1-{most})")
    if not kept:
        there = sorted({s for exp in named for s in exp.settings(chosen.profile)})
        raise UsageError(
            f"--setting {setting} fits none of the experiments named (their settings in the {chosen.profile} "
            f"profile: {', '.join([grid.MAIN_SETTING, *there])})"
        )
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
    setting = ["--setting", args.setting] if getattr(args, "setting", None) else []
    return selection(args).options() + setting + out


def settings_of(args, exp: grid.Experiment) -> list[str]:
    """The settings a command works on in an experiment: the one named, the main one alone, or every one."""
    setting = getattr(args, "setting", None)
    if setting is not None and getattr(args, "main_setting", False):
        raise UsageError(f"--main-setting and --setting {setting} name different settings: give one")
    if setting is not None:
        return [setting]
    if getattr(args, "main_setting", False):
        return [grid.MAIN_SETTING]
    return [grid.MAIN_SETTING, *exp.settings(args.profile)]


def specs_by_setting(args) -> dict[str, list]:
    """The groups of each setting; a group shared by experiments is counted in the setting that first names it.
    A benchmark is kept per device: the one this process uses."""
    chosen, seen, by_setting = selection(args), set(), {}
    for exp in fitting(args):
        for setting in settings_of(args, exp):
            for s in replace(chosen, setting=setting).specs(exp):
                if s.key() not in seen:
                    seen.add(s.key())
                    by_setting.setdefault(setting, []).append(s)
    if any(s.benchmark for specs in by_setting.values() for s in specs):
        runner.quiet_import()  # the backend's start-up messages: nothing a user acts on
        from study.train import environment

        by_setting = {name: environment.on_this_device(specs) for name, specs in by_setting.items()}
    return by_setting


def specs_of(args):
    return [s for specs in specs_by_setting(args).values() for s in specs]


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
