"""Ctrl-C: exit code 130 and one line saying what is on disk (typer made it a silent 130)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import access15 as ax
from access15 import cli

SAMPLE = ax.sample_paths()

# The child runs the real command line; its coverage step first marks that the work has started
# (the inputs are read), then waits: the signal lands inside the pipeline, not in the imports.
CHILD = """
import sys, time
from pathlib import Path

import access15.pipeline as pipeline

real = pipeline.coverage
marker = Path(sys.argv[1])

def slow(*args, **kwargs):
    marker.touch()
    time.sleep(120)
    return real(*args, **kwargs)

pipeline.coverage = slow
from access15.cli import main

sys.argv = ["access15", *sys.argv[2:]]
main()
"""


def _args(command: str, out: Path) -> list[str]:
    args = [command, "--osm", str(SAMPLE["osm"]), "--population", str(SAMPLE["population"])]
    args += ["--boundary", str(SAMPLE["county"]), "--out", str(out)]
    if command != "isochrones":
        args += ["--zones", str(SAMPLE["townships"]), "--basemap", "none"]
    return args


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_sigint_is_exit_130_one_line_and_the_outputs_stay(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "access15.cli", "-q", *_args("isochrones", out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    before = _snapshot(out)
    marker = tmp_path / "started"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(marker), *_args("coverage", out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Python turns SIGINT into KeyboardInterrupt unless the signal is ignored on start
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 300
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), proc.communicate(timeout=60)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert stderr.splitlines() == [f"interrupted; {out} left as it was"]
    assert stdout == ""
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "started"]


def _run_main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["access15", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    return int(exc.value.code or 0), capsys.readouterr().err


def test_interrupt_before_the_outputs_are_known(monkeypatch, capsys, tmp_path):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_study", interrupted)
    code, err = _run_main(monkeypatch, capsys, "coverage", *_args("coverage", tmp_path / "o")[1:])
    assert code == 130
    assert err.splitlines() == ["interrupted; no outputs were changed"]


def test_interrupted_batch_says_how_to_resume(monkeypatch, capsys, tmp_path):
    import access15.batch

    csv = tmp_path / "c.csv"
    csv.write_text(
        "id,osm,population,boundary\n"
        f"a,{SAMPLE['osm']},{SAMPLE['population']},{SAMPLE['county']}\n",
        encoding="utf-8",
    )

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(access15.batch, "run_batch", interrupted)
    code, err = _run_main(monkeypatch, capsys, "batch", str(csv), "--out", str(tmp_path / "o"))
    assert code == 130
    assert err.splitlines() == [
        "interrupted; counties finished so far are complete on disk, the one in progress was "
        "not written; run the same command again to resume"
    ]
