"""The output folder is one unit: one config, one writer, one complete set of outputs."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from graphrec.experiment import _folder, run_experiment
from graphrec.experiment._folder import OutputFolder

# outputs whose bytes do not depend on timings (provenance and runs.csv record seconds)
STABLE = tuple(name for name in _folder._LEGACY if name != "runs.csv")


def _small(make_config, out):
    return make_config(
        out,
        seeds=[0],
        detectors=[{"name": "bipartite_louvain"}],
        recommenders=[{"name": "popularity"}, {"name": "community_popularity"}],
    )


def _stable_bytes(out: Path) -> dict[str, bytes]:
    """The outputs' bytes, ``summary.md`` without its line of measured compute time."""
    found = {name: (out / name).read_bytes() for name in STABLE if (out / name).exists()}
    if "summary.md" in found:
        lines = found["summary.md"].splitlines(keepends=True)
        found["summary.md"] = b"".join(x for x in lines if not x.startswith(b"Compute time"))
    return found


def test_a_different_config_is_refused_and_nothing_changes(make_config, tmp_path):
    run_experiment(_small(make_config, tmp_path), plots=False)
    before = {
        p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "cache" not in p.parts
    }
    cfg = _small(make_config, tmp_path)
    cfg["seeds"] = [7, 8]
    with pytest.raises(
        ValueError, match=r"different config \(seeds: \[0\] -> \[7, 8\]\).*--overwrite"
    ):
        run_experiment(cfg, plots=False)
    after = {
        p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "cache" not in p.parts
    }
    after.pop(tmp_path / ".graphrec" / "lock")
    before.pop(tmp_path / ".graphrec" / "lock")
    assert after == before


def test_resume_needs_a_finished_run_of_the_same_config(make_config, tmp_path):
    with pytest.raises(ValueError, match="nothing to resume"):
        run_experiment(_small(make_config, tmp_path), plots=False, resume=True)
    run_experiment(_small(make_config, tmp_path), plots=False)
    again = run_experiment(_small(make_config, tmp_path), plots=False, resume=True)
    assert all(v["computed"] == 0 for v in again.stats.values())
    with pytest.raises(ValueError, match="exclude each other"):
        run_experiment(_small(make_config, tmp_path), resume=True, overwrite=True)


def test_overwrite_leaves_no_stale_file_and_keeps_the_users_own(make_config, tmp_path):
    run_experiment(_small(make_config, tmp_path), plots=False)
    assert (tmp_path / "communities.csv").exists() and (tmp_path / "profiles.csv").exists()
    (tmp_path / "notes.txt").write_text("mine\n")
    old_runs = {p.name for p in (tmp_path / "provenance").iterdir()}
    cfg = _small(make_config, tmp_path)
    cfg["detectors"], cfg["recommenders"] = [], [{"name": "popularity"}]
    result = run_experiment(cfg, plots=False, overwrite=True)
    assert not (tmp_path / "communities.csv").exists()  # the new config detects nothing
    assert not (tmp_path / "profiles.csv").exists()
    assert (
        {p.name for p in (tmp_path / "provenance").iterdir()}
        == {f"{r}.json" for r in result.runs["run"]}
        != old_runs
    )
    assert (tmp_path / "notes.txt").read_text() == "mine\n"
    manifest = json.loads((tmp_path / "manifest.json").read_text())["files"]
    published = {
        p.relative_to(tmp_path).as_posix()
        for p in tmp_path.rglob("*")
        if p.is_file() and p.parts[len(tmp_path.parts)] not in ("cache", ".graphrec")
    }
    assert set(manifest) | {"manifest.json", "notes.txt"} == published
    for rel, entry in manifest.items():
        assert (tmp_path / rel).stat().st_size == entry["bytes"]
    assert yaml.safe_load((tmp_path / "config.resolved.yaml").read_text())["detectors"] == []


def test_a_legacy_folder_is_replaced_whole(make_config, tmp_path):
    run_experiment(_small(make_config, tmp_path), plots=False)
    (tmp_path / "manifest.json").unlink()  # as a folder written before manifests
    cfg = _small(make_config, tmp_path)
    cfg["detectors"], cfg["recommenders"] = [], [{"name": "popularity"}]
    run_experiment(cfg, plots=False, overwrite=True)
    assert not (tmp_path / "communities.csv").exists()


def test_a_failed_swap_leaves_the_previous_outputs(make_config, tmp_path, monkeypatch):
    run_experiment(_small(make_config, tmp_path), plots=False)
    before = _stable_bytes(tmp_path)
    cfg = _small(make_config, tmp_path)
    cfg["seeds"] = [3]
    real = _folder.atomic_write_json

    def full_disk(path, obj):
        if Path(path).name == "publish.json":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, obj)

    monkeypatch.setattr(_folder, "atomic_write_json", full_disk)
    with pytest.raises(OSError, match="No space left"):
        run_experiment(cfg, plots=False, overwrite=True)
    assert _stable_bytes(tmp_path) == before
    assert not (tmp_path / ".graphrec" / "staging").exists()


def test_a_swap_cut_short_is_finished_by_the_next_run(make_config, tmp_path, monkeypatch):
    straight = tmp_path / "straight"
    run_experiment(_small(make_config, straight), plots=False)
    out = tmp_path / "cut"
    run_experiment(_small(make_config, out), plots=False)
    cfg = _small(make_config, out)
    cfg["seeds"] = [3]
    real, moves = _folder._move, {"n": 0}

    def dies_after_three(src, dst):
        moves["n"] += 1
        if moves["n"] > 3:
            raise KeyboardInterrupt  # as if killed in the middle of the swap
        return real(src, dst)

    monkeypatch.setattr(_folder, "_move", dies_after_three)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(cfg, plots=False, overwrite=True)
    monkeypatch.setattr(_folder, "_move", real)
    assert (out / ".graphrec" / "publish.json").exists()
    run_experiment(_small(make_config, straight), plots=False, overwrite=True)  # seed 0 again
    cfg_straight = _small(make_config, straight)
    cfg_straight["seeds"] = [3]
    run_experiment(cfg_straight, plots=False, overwrite=True)
    run_experiment(cfg, plots=False)  # finishes the swap, then finds everything cached
    assert not (out / ".graphrec" / "publish.json").exists()
    ours, theirs = _stable_bytes(out), _stable_bytes(straight)
    assert ours.keys() == theirs.keys()
    for name in ours:
        if name != "config.resolved.yaml":  # it names its own folder
            assert ours[name] == theirs[name], name


def test_leftover_temporary_files_are_removed(make_config, tmp_path):
    run_experiment(_small(make_config, tmp_path), plots=False)
    leftovers = [tmp_path / ".results.csv.x1y2.tmp", tmp_path / "cache" / ".a.json.zz.tmp"]
    for path in leftovers:
        path.write_bytes(b"")  # what a SIGKILL during a write leaves
    run_experiment(_small(make_config, tmp_path), plots=False)
    assert not any(p.exists() for p in leftovers)


def test_an_output_path_that_is_a_file_is_a_clear_error(tmp_path):
    target = tmp_path / "out"
    target.write_text("x")
    with pytest.raises(ValueError, match="is a file; expected a folder"):
        OutputFolder(target, "name: a\n").__enter__()


_HOLD = """
import sys, time
from graphrec.experiment._folder import OutputFolder
with OutputFolder(sys.argv[1], "name: a\\n"):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_two_runs_on_one_folder_are_refused(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ValueError, match=rf"in use by another graphrec run \(pid {holder.pid}"):
            OutputFolder(tmp_path, "name: a\n").__enter__()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with OutputFolder(tmp_path, "name: a\n"):  # the system released the dead run's lock
        pass


# ------------------------------------------------------------------ killed runs
_KILL = """
import json, os, signal, sys
from graphrec.experiment import executors, runner, stages, _folder
out, where, executor = sys.argv[1], sys.argv[2], sys.argv[3]
config = json.loads(sys.argv[4])

def die():
    pool = getattr(EX[0], "_pool", None)
    pids = list(getattr(pool, "_processes", {}) or {}) if pool else []
    with open(os.path.join(out, "..", "workers.json"), "w") as f:
        json.dump(pids, f)
    os.kill(os.getpid(), signal.SIGKILL)

EX = []
make = runner.make_executor
def keep(*a, **k):
    EX.append(make(*a, **k))
    real_map = EX[0].map
    def map_(fn, items):
        for job, result in real_map(fn, items):
            yield job, result
            if getattr(job, "stage", None) == where or (
                isinstance(job, tuple) and job[0].stage == where
            ):
                die()
    EX[0].map = map_
    return EX[0]
runner.make_executor = keep
if where == "write":
    real_replace = _folder._move
    n = [0]
    def replace(a, b):
        n[0] += 1
        if n[0] > 2:
            die()
        return real_replace(a, b)
    _folder._move = replace
runner.run_experiment(config, executor=executor, jobs=2, plots=False)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (reaped by no one yet) is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


@pytest.mark.parametrize(
    ("where", "executor"),
    [
        ("detect", "local"),
        ("evaluate", "local"),
        ("write", "local"),
        ("detect", "process"),
        ("evaluate", "process"),
        ("write", "process"),
    ],
)
def test_a_killed_run_resumes_to_the_same_bytes(make_config, tmp_path, where, executor):
    straight = tmp_path / "straight"
    run_experiment(_small(make_config, straight), plots=False)
    out = tmp_path / "killed"
    config = _small(make_config, out)
    log = tmp_path / "killed.log"  # a file, not a pipe: orphans would hold a pipe open
    with open(log, "w") as sink:
        done = subprocess.run(
            [sys.executable, "-c", _KILL, str(out), where, executor, json.dumps(config)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            timeout=300,
        )
    assert done.returncode == -signal.SIGKILL, log.read_text()
    workers = json.loads((tmp_path / "workers.json").read_text())
    if executor == "process" and where != "write":  # the pool is closed before the write
        assert workers
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in workers if _alive(p)], "workers outlived their parent"
    run_experiment(config, plots=False)  # resumes: the same config, in the same folder
    ours, theirs = _stable_bytes(out), _stable_bytes(straight)
    assert ours.keys() == theirs.keys() and len(ours) >= 6
    for name in ours:
        if name != "config.resolved.yaml":
            assert ours[name] == theirs[name], name
    assert not list(out.rglob(".*.tmp"))


_SMALL_DISK = """
import json, resource, signal, sys
from graphrec.cli import main
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit a write fails (EFBIG)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
sys.exit(main(["run", sys.argv[1], "--no-plots", "--overwrite"]))
"""


def test_a_file_size_limit_leaves_the_previous_outputs(make_config, tmp_path):
    """As ``ulimit -f``: a run that cannot write its files changes nothing published."""
    out = tmp_path / "out"
    run_experiment(_small(make_config, out), plots=False)
    before = _stable_bytes(out)
    cfg = _small(make_config, out)
    cfg["seeds"] = [5]
    config = tmp_path / "other.yaml"
    config.write_text(json.dumps(cfg))
    biggest = max(p.stat().st_size for p in out.rglob("*") if p.is_file())
    done = subprocess.run(
        [sys.executable, "-c", _SMALL_DISK, str(config), str(biggest // 2)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "graphrec: error:" in done.stderr and "Traceback" not in done.stderr
    assert _stable_bytes(out) == before
    assert not (out / ".graphrec" / "staging").exists()
    assert not list(out.rglob(".*.tmp"))
