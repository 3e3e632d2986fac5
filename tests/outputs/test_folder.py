"""The output folder (access15.outputs.folder, through write_outputs): swapped in as a whole.

A reader sees the old set or the new set, never a mix, whatever moment a run is killed at; files
of an earlier run do not survive; a second run into the folder is refused while one writes;
temporary folders of killed runs are removed; a folder of other files, a mount point and an
empty path are refused; a symbolic link onto another file system works; a full disk is one
clear error with the old set left as it was.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

import access15 as ax
from access15.outputs import folder as out_folder
from access15.outputs.files import file_sha256, write_outputs

SMALL = {"coverage_by_zone.csv", "facilities.geojson"}


def complete_set(out: Path) -> str:
    """Check ``out`` holds one complete set (every file listed, every sha256 right); its label."""
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in out.iterdir()) == sorted({*man["outputs"], "manifest.json"})
    for name, sha in man["outputs"].items():
        assert file_sha256(out / name) == sha, name
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))["run"]


def leftovers(parent: Path, name: str) -> list[str]:
    """Hidden entries of the folder ``name`` beside it (temporary folders, lock files)."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def write(out: Path | str, cov, label: str, only=SMALL, **kw) -> dict[str, Path]:
    return write_outputs(out, cov=cov, only=only, extra_summary={"run": label}, **kw)


# --------------------------------------------------------------------------- a whole set
def test_files_of_an_earlier_run_do_not_survive(hostile, tmp_path):
    run, _ = hostile
    out = tmp_path / "o"
    write(out, run.coverage, "old", only=None, rec=run.recommendation)
    assert (out / "recommendations.csv").is_file()
    written = write(out, run.coverage, "new")  # e.g. `coverage` after `recommend`
    assert complete_set(out) == "new"
    assert sorted(p.name for p in out.iterdir()) == sorted(written)
    assert not (out / "recommendations.csv").exists()
    assert leftovers(tmp_path, "o") == []


_CHILD = r"""
import os, shutil, signal, sys
from pathlib import Path

tiny, out, kill_at, mode = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
calls = 0


def killed_at_step(fn):
    # SIGKILL this process before the swap step number kill_at (no cleanup runs)
    def step(*args, **kwargs):
        global calls
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        calls += 1
        return fn(*args, **kwargs)

    return step


import access15 as ax
from access15.outputs.files import write_outputs
from conftest import load_tiny, one_level_config, write_tiny_county

try:
    from access15.outputs import folder
except ImportError:  # a layout without it
    folder = None
net, fac, pop, zones = load_tiny(write_tiny_county(tiny))
cov = ax.coverage(net, fac, pop, zones=zones, config=one_level_config(15))
os.rename = killed_at_step(os.rename)
os.replace = killed_at_step(os.replace)
shutil.rmtree = killed_at_step(shutil.rmtree)
if folder is not None:
    if mode == "rename":
        folder._exchange = lambda a, b: False
    else:
        folder._exchange = killed_at_step(folder._exchange)
write_outputs(
    out,
    cov=cov,
    only={"coverage_by_zone.csv", "facilities.geojson"},
    extra_summary={"run": "new"},
)
"""


def _exchange_works(tmp_path: Path) -> bool:
    a, b = tmp_path / "xa", tmp_path / "xb"
    a.mkdir()
    b.mkdir()
    try:
        return out_folder._exchange(a, b)
    finally:
        shutil.rmtree(a)
        shutil.rmtree(b)


@pytest.mark.parametrize("mode", ["exchange", "rename"])
@pytest.mark.parametrize("kill_at", [0, 1, 2, 3])
def test_a_run_killed_during_the_swap_leaves_the_old_or_the_new_set(
    hostile, tmp_path, mode, kill_at
):
    """SIGKILL before each rename/exchange/removal of the swap: never a mixed folder."""
    run, _ = hostile
    out = tmp_path / "o"
    write(out, run.coverage, "old", only={*SMALL, "travel_time.tif"})
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path / "tiny"), str(out), str(kill_at), mode],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.returncode in (0, -signal.SIGKILL), proc.stderr
    if out.exists():
        state = complete_set(out)
        assert state in ("old", "new")
        if proc.returncode == 0:
            assert state == "new"
    else:
        # two renames (no atomic exchange) killed between them: the old set waits aside ...
        assert mode == "rename" or not _exchange_works(tmp_path)
        (aside,) = [p for p in tmp_path.iterdir() if p.name.startswith(".o.old-")]
        assert complete_set(aside) == "old"
        # ... and the next run puts it back before its own work, even when that run fails
        with pytest.raises(ax.InputError, match="zh or en"):
            write(out, run.coverage, "failed", lang="fr")
        with pytest.raises(OSError, match="simulated"):
            write(out, run.coverage, "failed", fmap=_Failing())
        assert complete_set(out) == "old"
    # the next run removes what the killed one left and swaps in a complete set
    write(out, run.coverage, "next")
    assert complete_set(out) == "next"
    assert leftovers(tmp_path, "o") == []


class _Failing:
    def save(self, _path: str) -> None:
        msg = "simulated write error"
        raise OSError(msg)


def test_stale_temporary_folders_are_removed_by_the_next_run(hostile, tmp_path):
    run, _ = hostile
    out = tmp_path / "o"
    for stale in (".o.tmp-abcd1234", ".o.old-k3x9q0z1", ".o.tmp-left_by_a_kill"):
        (tmp_path / stale).mkdir()
        (tmp_path / stale / "summary.json").write_text("{}", encoding="utf-8")
    (tmp_path / ".o.tmp-link").symlink_to(tmp_path / "keep")  # removed, never followed
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "precious.txt").write_text("x", encoding="utf-8")
    other = tmp_path / ".o.tmp-1.tmp-abcd1234"  # the temporary folder of a folder "o.tmp-1"
    other.mkdir()
    write(out, run.coverage, "new")
    assert complete_set(out) == "new"
    assert leftovers(tmp_path, "o") == [other.name]
    assert (keep / "precious.txt").read_text(encoding="utf-8") == "x"


def test_a_second_run_is_refused_while_one_writes(hostile, tmp_path):
    run, _ = hostile
    out = tmp_path / "o"
    writing, release = threading.Event(), threading.Event()

    class SlowMap:
        def save(self, path: str) -> None:
            Path(path).write_text("<html></html>", encoding="utf-8")
            writing.set()
            assert release.wait(60)

    first: dict[str, object] = {}

    def first_run() -> None:
        try:
            first["files"] = write(
                out, run.coverage, "first", only={*SMALL, "map.html"}, fmap=SlowMap()
            )
        except BaseException as exc:  # reported below
            first["error"] = exc

    t = threading.Thread(target=first_run)
    t.start()
    try:
        assert writing.wait(60)
        with pytest.raises(ax.InputError, match=r"^another access15 run is writing '.*o'; wait"):
            write(out, run.coverage, "second")
    finally:
        release.set()
        t.join(60)
    assert "error" not in first, first.get("error")
    assert complete_set(out) == "first"
    assert "map.html" in first["files"]  # type: ignore[operator]
    write(out, run.coverage, "third")  # the lock is gone with the run that held it
    assert complete_set(out) == "third"
    assert leftovers(tmp_path, "o") == []


def test_a_killed_lock_holder_does_not_block_the_next_run(hostile, tmp_path):
    run, _ = hostile
    out = tmp_path / "o"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from access15.outputs.folder import output_lock\n"
            "with output_lock(sys.argv[1]):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(600)\n",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ax.InputError, match="another access15 run is writing"):
            write(out, run.coverage, "refused")
        assert not out.exists()
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(60)
        holder.stdout.close()  # type: ignore[union-attr]
    write(out, run.coverage, "after")  # the lock file stays behind, its lock died with it
    assert complete_set(out) == "after"
    assert leftovers(tmp_path, "o") == []


# --------------------------------------------------------------------------- refused folders
def test_a_folder_of_other_files_is_refused_not_emptied(hostile, tmp_path):
    run, _ = hostile
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("years of work", encoding="utf-8")
    with pytest.raises(ax.InputError, match=r"holds files access15 did not write.*new or empty"):
        write(mine, run.coverage, "new")
    assert [p.name for p in mine.iterdir()] == ["thesis.docx"]
    assert leftovers(tmp_path, "mine") == []
    # an output folder with a sub-folder in it (never written by access15) is refused too
    out = tmp_path / "o"
    write(out, run.coverage, "old")
    (out / "notes").mkdir()
    with pytest.raises(ax.InputError, match=r"holds a folder access15 did not write \('notes'\)"):
        write(out, run.coverage, "new")
    assert (out / "notes").is_dir()
    # an empty folder is taken
    empty = tmp_path / "empty"
    empty.mkdir()
    write(empty, run.coverage, "new")
    assert complete_set(empty) == "new"


def test_an_empty_out_is_refused(hostile, tmp_path, monkeypatch):
    run, _ = hostile
    monkeypatch.chdir(tmp_path)
    for empty in ("", "  "):
        with pytest.raises(ax.InputError, match=r"^--out is empty; give the folder"):
            write(empty, run.coverage, "new")
    assert list(tmp_path.iterdir()) == []


def test_a_mount_point_is_refused(hostile, tmp_path, monkeypatch):
    run, _ = hostile
    mount = tmp_path / "disk"
    mount.mkdir()
    real_ismount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == mount or real_ismount(p))
    with pytest.raises(ax.InputError, match=r"is a mount point.*give a folder inside it"):
        write(mount, run.coverage, "new")
    assert list(mount.iterdir()) == []
    write(mount / "access15", run.coverage, "new")
    assert complete_set(mount / "access15") == "new"


# --------------------------------------------------------------------------- another file system
@pytest.fixture
def other_fs(tmp_path):
    """A folder on another file system than tmp_path when there is one (tmpfs /dev/shm)."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path
    root = Path(tempfile.mkdtemp(prefix="access15-test-", dir=base))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_out_through_a_symlink_onto_another_file_system(hostile, tmp_path, other_fs):
    run, _ = hostile
    (other_fs / "results").mkdir()
    link = tmp_path / "out"
    link.symlink_to(other_fs / "results", target_is_directory=True)
    for label in ("first", "second"):  # an empty folder, then one with a set in it
        written = write(link, run.coverage, label)
        assert link.is_symlink()
        assert complete_set(other_fs / "results") == label
        assert written["summary.json"] == link / "summary.json"
    assert leftovers(tmp_path, "out") == []
    assert leftovers(other_fs, "results") == []
    # a link to a folder not made yet: the folder is made where the link points
    new = tmp_path / "new"
    new.symlink_to(other_fs / "later", target_is_directory=True)
    write(new, run.coverage, "first")
    assert new.is_symlink()
    assert complete_set(other_fs / "later") == "first"


def test_out_through_a_symlink_with_renames_that_cannot_cross(hostile, tmp_path, monkeypatch):
    """Any rename between two 'file systems' raises EXDEV, as it does between real ones."""
    run, _ = hostile
    disk_a, disk_b = tmp_path / "a", tmp_path / "b"
    disk_a.mkdir()
    disk_b.mkdir()

    def disk(path) -> Path:
        real = Path(os.path.realpath(path))
        return disk_a if real.is_relative_to(disk_a) else disk_b

    def same_disk_only(fn):
        def rename(src, dst, *args):
            if disk(src) != disk(Path(dst).parent):
                raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(src), None, str(dst))
            return fn(src, dst, *args)

        return rename

    monkeypatch.setattr(os, "rename", same_disk_only(os.rename))
    monkeypatch.setattr(os, "replace", same_disk_only(os.replace))
    monkeypatch.setattr(out_folder, "_exchange", same_disk_only(out_folder._exchange))
    (disk_b / "results").mkdir()
    link = disk_a / "out"
    link.symlink_to(disk_b / "results", target_is_directory=True)
    write(link, run.coverage, "first")
    write(link, run.coverage, "second")
    assert complete_set(disk_b / "results") == "second"
    assert leftovers(disk_a, "out") == []
    assert leftovers(disk_b, "results") == []


# --------------------------------------------------------------------------- a full disk
def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_is_one_clear_error_and_the_old_set_stays(hostile, tmp_path, monkeypatch):
    import geopandas as gpd

    run, _ = hostile
    out = tmp_path / "o"
    write(out, run.coverage, "old")
    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", _disk_full)
    with pytest.raises(ax.OutputError) as err:
        write(out, run.coverage, "new")
    assert str(err.value) == f"disk full while writing {str(out)!r}: free space and run again"
    assert isinstance(err.value, OSError)
    assert complete_set(out) == "old"
    assert leftovers(tmp_path, "o") == []


def test_a_gdal_write_error_on_a_full_disk_says_disk_full(hostile, tmp_path, monkeypatch):
    """pyogrio reports a full disk as 'Could not add feature': judged by the space left."""
    import geopandas as gpd
    from pyogrio.errors import FeatureError

    run, _ = hostile
    out = tmp_path / "o"

    def could_not_add(*_args, **_kwargs):
        msg = "Could not add feature to layer at index 3"
        raise FeatureError(msg)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", could_not_add)
    with pytest.raises(FeatureError, match="Could not add feature"):  # space left: not the disk
        write(out, run.coverage, "new")
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage._replace(free=4096))
    with pytest.raises(ax.OutputError, match=r"^disk full while writing .*: free space and run"):
        write(out, run.coverage, "new")
    assert not out.exists()
    assert leftovers(tmp_path, "o") == []


# --------------------------------------------------------------------------- a run's whole life
def _tiny_run(tiny, out, on_step=None):
    study = ax.Study(tiny["osm"], tiny["population"], tiny["county"], tiny["zones"])
    opts = ax.OutputOptions(out_dir=out, only=frozenset(SMALL), basemap=None)
    return ax.run_county(study, robustness=False, outputs=opts, on_step=on_step)


@pytest.mark.filterwarnings("ignore:.*clipped extract:UserWarning")
def test_a_run_holds_its_folder_from_its_start(tiny, tmp_path):
    out = tmp_path / "o"
    computing, release = threading.Event(), threading.Event()
    refused: dict[str, BaseException] = {}

    def on_step(label: str) -> None:
        if label.startswith("computing travel times"):
            computing.set()
            assert release.wait(60)

    def first() -> None:
        try:
            _tiny_run(tiny, out, on_step)
        except BaseException as exc:  # reported below
            refused["first"] = exc

    t = threading.Thread(target=first)
    t.start()
    try:
        assert computing.wait(60)  # the first run computes; nothing is written yet
        assert not out.exists()
        with pytest.raises(ax.InputError, match=r"^another access15 run is writing '.*o'; wait"):
            _tiny_run(tiny, out)  # refused at once, not after its own computation
    finally:
        release.set()
        t.join(60)
    assert "first" not in refused, refused.get("first")
    assert (out / "manifest.json").is_file()
    assert leftovers(tmp_path, "o") == []


@pytest.mark.filterwarnings("ignore:.*clipped extract:UserWarning")
def test_stale_temporary_folders_go_when_a_run_starts(tiny, tmp_path):
    out = tmp_path / "o"
    (tmp_path / ".o.tmp-abcd1234").mkdir()
    seen: list[list[str]] = []
    _tiny_run(tiny, out, lambda label: seen.append(leftovers(tmp_path, "o")))
    assert seen[0] == [".o.lock"]  # gone before the first step; the run's lock file is there
    assert leftovers(tmp_path, "o") == []


def test_the_lock_is_taken_again_by_its_own_thread_only(tmp_path):
    out = tmp_path / "o"
    with out_folder.output_lock(out) as real, out_folder.output_lock(out) as again:
        assert again == real
        errors: list[BaseException] = []

        def other() -> None:
            try:
                with out_folder.output_lock(out):
                    pass
            except BaseException as exc:
                errors.append(exc)

        t = threading.Thread(target=other)
        t.start()
        t.join(60)
        assert len(errors) == 1
        assert isinstance(errors[0], ax.InputError)
        assert (tmp_path / ".o.lock").exists()  # the inner exit kept the outer lock
    assert leftovers(tmp_path, "o") == []
