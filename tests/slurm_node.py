"""A one-node SLURM cluster on this machine, for the cluster tests (`make test-cluster`).

Debian's slurm-wlm and munge, started as root from a folder of their own: a munge key and
socket, a slurm.conf for one node on localhost (CPUs and memory read from the machine, one
partition), and the daemons' state, logs and pid files. Nothing outside the folder is written,
so a node started here never touches a SLURM set up on the machine.

    with Node(folder) as node:      # munged, slurmctld, slurmd; waits until sinfo shows the node idle
        subprocess.run(["sinfo"], env=node.env)
    # every job cancelled, every daemon stopped, on every exit path

`python tests/slurm_node.py` starts a node, prints `sinfo`, and stops it: a check by hand.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd", "slurmstepd")
PARTITION = "study"
MAX_TIME = 180  # minutes: the partition's limit; a task asking more is refused at submission
PACKAGES = ("slurm-wlm", "munge")


class Unavailable(RuntimeError):
    """No SLURM can be started here (not root, or the packages are missing)."""


def available() -> str | None:
    """Why a node cannot be started here, or None when it can."""
    if os.geteuid() != 0:
        return "the single-node SLURM needs root (its daemons run as root)"
    missing = [d for d in ("munged", "slurmctld", "slurmd", "sbatch") if shutil.which(d) is None]
    if missing:
        return f"{', '.join(missing)} not found: install Debian's {' '.join(PACKAGES)} (make test-cluster does)"
    return None


def running_daemons() -> list[str]:
    """'pid name' of every munge or SLURM daemon on this machine, whoever started it."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            name = (proc / "comm").read_text().strip()
        except OSError:  # ended while we looked
            continue
        if name in DAEMONS:
            found.append(f"{proc.name} {name}")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024 - 1024  # leave the system a GB
    raise RuntimeError("no MemTotal in /proc/meminfo")


class Node:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.name = socket.gethostname().split(".")[0]
        self.procs: dict[str, subprocess.Popen] = {}
        self.env = {**os.environ, "SLURM_CONF": str(self.folder / "slurm.conf")}

    # -- configuration ---------------------------------------------------------------------------------

    def _write_config(self):
        f = self.folder
        for sub in ("state", "spool", "log", "run"):
            (f / sub).mkdir(parents=True, exist_ok=True)
        key = f / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        cpus, mem = os.cpu_count() or 1, memory_mb()
        (f / "slurm.conf").write_text(
            "\n".join(
                [
                    "ClusterName=study",
                    f"SlurmctldHost={self.name}(127.0.0.1)",
                    f"SlurmctldPort={free_port()}",
                    f"SlurmdPort={free_port()}",
                    "SlurmUser=root",
                    "SlurmdUser=root",
                    "AuthType=auth/munge",
                    "CredType=cred/munge",
                    f"AuthInfo=socket={f / 'run' / 'munge.socket'}",
                    f"StateSaveLocation={f / 'state'}",
                    f"SlurmdSpoolDir={f / 'spool'}",
                    f"SlurmctldPidFile={f / 'run' / 'slurmctld.pid'}",
                    f"SlurmdPidFile={f / 'run' / 'slurmd.pid'}",
                    f"SlurmctldLogFile={f / 'log' / 'slurmctld.log'}",
                    f"SlurmdLogFile={f / 'log' / 'slurmd.log'}",
                    "ProctrackType=proctrack/linuxproc",  # no cgroups in a container
                    "TaskPlugin=task/none",
                    "JobAcctGatherType=jobacct_gather/none",
                    "AccountingStorageType=accounting_storage/none",  # so no sacct, as on some real clusters
                    "SelectType=select/cons_tres",
                    "SelectTypeParameters=CR_CPU_Memory",
                    "EnforcePartLimits=ALL",  # a job over the partition's limits is refused at submission
                    "MpiDefault=none",
                    "ReturnToService=2",
                    "SchedulerType=sched/backfill",
                    "SchedulerParameters=sched_interval=1",
                    "MinJobAge=600",  # finished jobs stay visible to squeue and scontrol for ten minutes
                    "KillWait=2",  # seconds from scancel's SIGTERM to SIGKILL (submitit's task ignores SIGTERM)
                    "SlurmdTimeout=60",
                    f"NodeName={self.name} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem} State=UNKNOWN",
                    f"PartitionName={PARTITION} Nodes={self.name} Default=YES MaxTime={MAX_TIME} State=UP",
                    "",
                ]
            )
        )

    # -- lifecycle -------------------------------------------------------------------------------------

    def _start(self, name: str, argv: list[str]):
        log = open(self.folder / "log" / f"{name}.out", "w")
        # A session of their own: a Ctrl-C meant for the tests reaches the daemons only through stop().
        self.procs[name] = subprocess.Popen(
            argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def start(self, timeout: float = 60):
        why = available()
        if why:
            raise Unavailable(why)
        self._write_config()
        f = self.folder
        self._start(
            "munged",
            [
                "munged",
                "--foreground",
                "--force",  # as root, with a key in a folder root owns
                f"--key-file={f / 'munge.key'}",
                f"--socket={f / 'run' / 'munge.socket'}",
                f"--pid-file={f / 'run' / 'munged.pid'}",
                f"--log-file={f / 'log' / 'munged.log'}",
                f"--seed-file={f / 'run' / 'munge.seed'}",
            ],
        )
        self._wait(lambda: (f / "run" / "munge.socket").exists(), timeout, "munged to open its socket")
        conf = str(f / "slurm.conf")
        self._start("slurmctld", ["slurmctld", "-D", "-i", "-f", conf])
        self._start("slurmd", ["slurmd", "-D", "-N", self.name, "-f", conf])
        self._wait(self.idle, timeout, f"sinfo to show node {self.name} idle")

    def idle(self) -> bool:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}: see {self.folder / 'log'}")
        out = self.run("sinfo", "--noheader", "-N", "-o", "%T", check=False)
        return out.returncode == 0 and out.stdout.split() == ["idle"]

    def jobs(self) -> set[str]:
        """The ids of the jobs the scheduler knows of, ended ones included (until it forgets them)."""
        return set(self.run("squeue", "--noheader", "--states=all", "--format=%F").stdout.split())

    def drain(self, timeout: float = 120):
        """Waits until no job is left in the queue, so the next test starts on an idle node."""
        self._wait(lambda: not self.run("squeue", "--noheader").stdout.strip(), timeout, "the queue to empty")

    def _wait(self, ready, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}: see {self.folder / 'log'}")
            time.sleep(0.5)

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        """A SLURM client command against this node."""
        return subprocess.run(argv, env=self.env, capture_output=True, text=True, check=check, timeout=60)

    def stop(self):
        """Cancels every job, then stops slurmd, slurmctld and munged; kills what does not stop."""
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            self.run("scancel", "--full", "--user", "root", check=False)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.run("squeue", "--noheader", check=False).stdout.strip():
                time.sleep(0.5)
        for name in ("slurmd", "slurmctld", "munged"):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        # A job step whose daemon went first (slurmstepd) ends with it: none may outlive the node.
        deadline = time.monotonic() + 10
        while (steps := [int(line.split()[0]) for line in running_daemons() if line.endswith(" slurmstepd")]) and (
            time.monotonic() < deadline
        ):
            for pid in steps:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)

    def __enter__(self) -> Node:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(prefix="slurm-node-") as folder, Node(Path(folder)) as node:
        print(node.run("sinfo").stdout, end="")
    print("left running:", running_daemons() or "nothing")
