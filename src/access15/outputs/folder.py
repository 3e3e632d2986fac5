"""access15's output folder: checked, locked, built beside and swapped in as a whole.

``--out DIR`` belongs to access15: each run builds the complete new set in a temporary folder
beside ``DIR`` (beside the real folder when ``DIR`` is a symbolic link, so on its file system)
and swaps the two folders in one step (Linux ``renameat2``; elsewhere two renames, a set left
aside by a kill between them is put back by the next run), so a reader sees the old set or the
new set, never a mix, and no file of an earlier run survives. A lock beside ``DIR`` keeps two
runs from writing it at once; temporary folders of killed runs are removed by the next run. A
folder holding files access15 did not write (no ``manifest.json``) and a mount point are refused,
never emptied. A full disk is reported as one :class:`~access15.errors.OutputError`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import json
import os
import shutil
import stat
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from access15.errors import InputError, OutputError

try:  # POSIX; without it (Windows) runs into one folder are not kept apart
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "check_out_dir",
    "clean_stale",
    "disk_full_is_an_error",
    "output_lock",
    "swapped_in",
]

_AT_FDCWD = -100  # renameat2: paths relative to the current folder
_RENAME_EXCHANGE = 2  # renameat2 flag (Linux >= 3.15): swap two paths in one step
_NEARLY_FULL_BYTES = 1 << 20  # a GDAL/Arrow write error with less free space: the disk is full
_WRITER_MODULES = frozenset({"pyogrio", "fiona", "rasterio", "pyarrow"})
_NO_SPACE_ERRNO = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
_NO_SPACE = frozenset({"No space left on device", "Disk quota exceeded", os.strerror(errno.ENOSPC)})


def _real_folder(out_dir: str | Path) -> Path:
    """Return the real folder behind ``out_dir``: absolute, symbolic links resolved."""
    return Path(os.path.realpath(out_dir))


def _foreign(folder: Path, shown: str) -> str | None:
    """Why ``folder`` is not access15's (a refusal message), or None: empty or an output set."""
    with os.scandir(folder) as entries:
        listing = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in entries)
    if not listing:
        return None
    again = "each run replaces the whole folder"
    sub = next((name for name, is_dir in listing if is_dir), None)
    if sub is not None:  # access15 writes no sub-folders
        return (
            f"--out {shown!r} holds a folder access15 did not write ({sub!r}); {again}, so move "
            "it out or give a new or empty folder"
        )
    try:
        man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        man = None
    if isinstance(man, dict) and isinstance(man.get("outputs"), dict):
        return None
    return (
        f"--out {shown!r} holds files access15 did not write (no manifest.json); {again}, so "
        "give a new or empty folder"
    )


def check_out_dir(out_dir: str | Path) -> Path:
    """Check that ``out_dir`` can take a run's outputs, before any work; return the real folder.

    The folder belongs to access15: each run replaces its whole contents. So a path that is
    empty, a file, a mount point (it cannot be swapped as a whole) or a folder holding files
    access15 did not write (no ``manifest.json``, or sub-folders) is refused; nothing is
    deleted. A symbolic link is followed: the outputs go to the folder it points to.

    Parameters
    ----------
    out_dir : str or Path
        The output folder (``--out``); need not exist.

    Returns
    -------
    Path
        The real folder (absolute, symbolic links resolved).

    Raises
    ------
    InputError
        One of the refusals above, naming the path and what to do.

    Examples
    --------
    >>> check_out_dir("")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    access15.errors.InputError: --out is empty; give the folder for the outputs, ...
    """
    if not str(out_dir).strip():
        msg = "--out is empty; give the folder for the outputs, e.g. --out out/county"
        raise InputError(msg)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        msg = f"--out {str(out)!r} exists and is not a folder; choose another path"
        raise InputError(msg)
    real = _real_folder(out)
    if real.is_symlink():
        msg = f"--out {str(out)!r} is a symbolic link that never reaches a folder; fix or remove it"
        raise InputError(msg)
    if real.is_dir():
        if os.path.ismount(real):
            msg = (
                f"--out {str(out)!r} is a mount point, which cannot be replaced as a whole "
                f"folder; give a folder inside it, e.g. {str(out / 'access15')!r}"
            )
            raise InputError(msg)
        foreign = _foreign(real, str(out))
        if foreign is not None:
            raise InputError(foreign)
    return real


@contextlib.contextmanager
def output_lock(out_dir: str | Path) -> Iterator[Path]:
    """Hold the lock of an output folder: another run writing it meanwhile is refused.

    The lock is :func:`fcntl.flock` on ``.NAME.lock`` beside the real folder (removed on
    release); the system drops it when the process dies, so a killed run never blocks the
    next one. Without :mod:`fcntl` (Windows) runs are not kept apart.

    Parameters
    ----------
    out_dir : str or Path
        The output folder; its parent is created if missing.

    Yields
    ------
    Path
        The real folder (absolute, symbolic links resolved).

    Raises
    ------
    InputError
        Another run (process or thread) holds the lock, or the lock file is a symbolic link.
        The thread holding it may take it again (nested, e.g. a run holding it from its start
        that then writes its outputs).
    """
    real = _real_folder(out_dir)
    real.parent.mkdir(parents=True, exist_ok=True)
    held = _held_locks()
    if fcntl is None or real in held:  # no fcntl (Windows), or this thread holds it already
        yield real
        return
    lock = real.parent / f".{real.name}.lock"
    fd = _take_lock(lock, out_dir)
    held.add(real)
    try:
        yield real
    finally:
        held.discard(real)
        with contextlib.suppress(OSError):
            os.unlink(lock)  # while still held: a run waiting on this file locks a new one
        os.close(fd)


_THREAD = threading.local()


def _held_locks() -> set[Path]:
    """Real folders whose lock this thread holds (a nested :func:`output_lock` reuses it)."""
    held: set[Path] | None = getattr(_THREAD, "held", None)
    if held is None:
        held = _THREAD.held = set()
    return held


def clean_stale(out_dir: str | Path) -> None:
    """Put back a set a killed swap left aside and remove the temporary folders of killed runs.

    Call it with :func:`output_lock` held (a run in progress owns its temporary folder); a
    run's start does, so a killed run's ``.NAME.tmp-*`` folder never outlives the next run.

    Parameters
    ----------
    out_dir : str or Path
        The output folder.
    """
    real = _real_folder(out_dir)
    if real.parent.is_dir():
        _restore_and_clean(real)


def _take_lock(lock: Path, out_dir: str | Path) -> int:
    """Open and flock ``lock``; return its descriptor (the file still at that path)."""
    busy = (
        f"another access15 run is writing {str(out_dir)!r}; wait for it to finish or choose "
        "another --out"
    )
    for _ in range(8):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            msg = f"the lock file {str(lock)!r} is a symbolic link; remove it and run again"
            raise InputError(msg) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = os.fstat(fd)
            now = os.stat(lock, follow_symlinks=False)
        except BlockingIOError:
            os.close(fd)
            raise InputError(busy) from None
        except FileNotFoundError:  # released and removed since we opened it: take a new one
            os.close(fd)
            continue
        except BaseException:
            os.close(fd)
            raise
        if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)
    raise InputError(busy)


def _stale(real: Path) -> list[Path]:
    """Temporary folders ``.NAME.tmp-*`` and ``.NAME.old-*`` beside ``real`` (of killed runs)."""
    prefix = f".{real.name}."
    found = []
    with os.scandir(real.parent) as entries:
        for e in entries:
            if not e.name.startswith(prefix):
                continue
            kind, _, suffix = e.name.removeprefix(prefix).partition("-")
            if kind in ("tmp", "old") and suffix and "." not in suffix:
                found.append(Path(e.path))
    return sorted(found)


def _remove(path: Path) -> None:
    """Remove a folder tree, a file or a symbolic link (never followed); missing is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _restore_and_clean(real: Path) -> None:
    """Put back the old set a killed swap left aside (``real`` missing), drop stale folders."""
    stale = _stale(real)
    if not os.path.lexists(real):
        olds = [
            p
            for p in stale
            if p.name.startswith(f".{real.name}.old-")
            and not p.is_symlink()
            and (p / "manifest.json").is_file()
        ]
        if olds:
            newest = max(olds, key=lambda p: (p / "manifest.json").stat().st_mtime)
            os.rename(newest, real)
            stale.remove(newest)
    for p in stale:
        _remove(p)


@functools.cache
def _renameat2() -> Any:
    """Return the C library's ``renameat2`` (Linux), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _exchange(a: Path, b: Path) -> bool:
    """Swap the paths ``a`` and ``b`` in one step; False when the system cannot."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # old kernel or file system
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _swap_in(tmp: Path, real: Path) -> None:
    """Put the complete folder ``tmp`` in place of ``real`` and remove the old set."""
    if not os.path.lexists(real):
        os.rename(tmp, real)
        return
    if _exchange(tmp, real):
        old = tmp  # now holds the previous set
    else:  # two renames; a kill between them leaves the old set aside, restored by the next run
        old = real.parent / f".{real.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(real, old)
        os.rename(tmp, real)
    _remove(old)


def _fsync(path: Path, *, folder: bool = False) -> None:
    """Flush a file (or a folder's entries, where the file system can) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        if not folder:  # some file systems cannot sync a folder; a file must be on disk
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def swapped_in(real: Path) -> Iterator[Path]:
    """Yield a new empty folder beside ``real``; a block that ends without error swaps it in.

    First puts back an old set a killed swap left aside and removes the temporary folders of
    killed runs. The new folder takes the old one's permissions; its files are synced to disk
    before the swap, and the old set is removed after it.

    Parameters
    ----------
    real : Path
        The real output folder (:func:`check_out_dir`), with :func:`output_lock` held.

    Yields
    ------
    Path
        The new folder (``.NAME.tmp-XXXXXXXX`` beside ``real``) to fill with the complete set.
        On an error (or Ctrl-C) in the block it is removed and ``real`` is left as it was.
    """
    _restore_and_clean(real)
    while True:
        tmp = real.parent / f".{real.name}.tmp-{uuid.uuid4().hex[:8]}"
        with contextlib.suppress(FileExistsError):
            tmp.mkdir()
            break
    try:
        if real.is_dir():
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IMODE(real.stat().st_mode))
        yield tmp
        for p in tmp.iterdir():
            _fsync(p)
        _swap_in(tmp, real)
        _fsync(real.parent, folder=True)
    finally:
        _remove(tmp)


def _disk_full(exc: BaseException, folder: Path) -> bool:
    """Whether ``exc`` (or an error behind it) says the disk is full."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in _NO_SPACE_ERRNO:
            return True
        if any(text in str(e) for text in _NO_SPACE):
            return True
        e = e.__cause__ or e.__context__
    # GDAL drivers lose the reason ("Could not add feature"): judge by the space left
    if type(exc).__module__.partition(".")[0] in _WRITER_MODULES:
        try:
            return shutil.disk_usage(folder).free < _NEARLY_FULL_BYTES
        except OSError:
            return False
    return False


@contextlib.contextmanager
def disk_full_is_an_error(out: Path, real: Path) -> Iterator[None]:
    """Turn a full disk in the block into one clear :class:`~access15.errors.OutputError`.

    A full disk is an :class:`OSError` with ``ENOSPC`` or ``EDQUOT`` (or such an error behind
    the one raised), the system's "no space" text in a message, or a write error of a GDAL or
    Arrow writer (pyogrio's "Could not add feature" ...) with less than 1 MiB left.

    Parameters
    ----------
    out : Path
        The output folder as the user gave it (named in the message).
    real : Path
        The real folder; the free space is read beside it.

    Yields
    ------
    None
        The block runs with the mapping in place.

    Raises
    ------
    OutputError
        ``disk full while writing OUT: free space and run again`` (from the original error);
        any other error passes unchanged.
    """
    try:
        yield
    except Exception as exc:
        if _disk_full(exc, real.parent):
            msg = f"disk full while writing {str(out)!r}: free space and run again"
            raise OutputError(msg) from exc
        raise
