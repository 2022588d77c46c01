"""A typed copy of each local workbook, kept on disk, so a workbook that has not changed is not read again.

Reading a large workbook means unzipping its XML, then typing every row; loading the typed copy skips both
(docs/performance.md has the figures). Report runs, notebooks opened in JupyterLab and the CLI all read the
same workbook again and again between edits, so each read first asks the cache.

A copy is used only while the workbook is the very file it was made from: same absolute path, size,
modification and change times (to the nanosecond) and inode, and made by this version of the kit's reading
code. Any save (by Excel, LibreOffice, the kit or a sync client) changes the change time, which no tool can set
back, so a stale copy is never used. If the workbook changes while it is being read, no copy is kept.

The copies live in ``$XDG_CACHE_HOME/advocacy-kit`` (``~/.cache/advocacy-kit``), in a folder only the user can
open, one file per workbook, replaced atomically. They are pickles: loading one runs code, so the folder must
stay private to the user; an unreadable or foreign copy is ignored and replaced. ``ADVOCACY_KIT_CACHE=off``
turns the cache off; deleting the folder is always safe. Copies of workbooks that no longer exist are deleted
whenever a copy is written.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, partial
from pathlib import Path

from kit.files import replacing
from kit.program import Program

CACHE_ENV = "ADVOCACY_KIT_CACHE"  # "off" turns the cache off
_FORMAT = 1  # bump when what is pickled changes shape

Identity = tuple[int, int, int, int, int]  # size, mtime_ns, ctime_ns, inode, device


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "advocacy-kit"


def read_through_cache(path: Path, read: Callable[[], Program]) -> Program:
    """``read()`` the workbook at ``path``, or its typed copy if the workbook has not changed since."""
    if not _enabled():
        return read()
    path = path.resolve()
    before = _identity(path)
    cached = load_copy(_entry(path), str(path), before)
    if cached is not None:
        return cached
    program = read()
    if _identity(path) == before:  # not changed while it was read
        keep = partial(save_copy, _entry(path), str(path), before, program)
        pending = _kept_afterwards.get()
        if pending is None:
            keep()
        else:
            pending.append(keep)
    return program


_kept_afterwards: ContextVar[list[Callable[[], None]] | None] = ContextVar("kept_afterwards", default=None)


@contextmanager
def copies_kept_afterwards() -> Iterator[None]:
    """Workbooks read within this block keep their typed copies when the block ends, not as they are read.

    Writing the copy of a large program takes a noticeable while; a report run first gets its figures out
    to the kernels waiting for them, then writes it while they render. A copy written at the end also holds
    what was worked out from the cells meanwhile (``Program.derived``). A block left by Ctrl-C keeps nothing:
    the person wants out.
    """
    pending: list[Callable[[], None]] = []
    token = _kept_afterwards.set(pending)
    interrupted = False
    try:
        yield
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        _kept_afterwards.reset(token)
        for keep in [] if interrupted else pending:
            keep()


def save_copy(file: Path, source: str, identity: Identity, program: Program) -> None:
    """Write ``program`` (read from ``source`` while it had ``identity``) to ``file``: into a temporary file
    beside it, then moved into place. A copy that cannot be written is skipped; the next read reads anew."""
    try:
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # private (mode 0600): loading a pickle runs code; a copy lost in a crash is only read anew
        with replacing(file, durable=False, mode=0o600) as handle:
            # The header first, so a copy of another file or version is told apart without loading it.
            pickle.dump((source, identity, _code_version()), handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(program, handle, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a full disk or a read-only home
        return
    _forget_gone_workbooks(file.parent, keep=file)


def _forget_gone_workbooks(folder: Path, keep: Path) -> None:
    """Delete the copies of workbooks that no longer exist (deleted, moved or renamed): nothing else would,
    and a copy of a large program takes much disk space. Runs when a copy is written."""
    for entry in folder.glob("*.pickle"):
        if entry == keep:
            continue
        try:
            with entry.open("rb") as handle:
                source = pickle.load(handle)[0]  # the header only
        except Exception:  # unreadable: replaced when its workbook is next read
            continue
        if isinstance(source, str) and not Path(source).exists():
            entry.unlink(missing_ok=True)


def load_copy(file: Path, source: str, identity: Identity) -> Program | None:
    """The program ``save_copy`` wrote to ``file`` from ``source`` while it had ``identity``, or None."""
    try:
        with file.open("rb") as handle:
            if pickle.load(handle) != (source, identity, _code_version()):
                return None
            program = pickle.load(handle)
    except Exception:  # missing, half-written by a crash, or from code that no longer unpickles: read anew
        return None
    return program if isinstance(program, Program) else None


def _enabled() -> bool:
    return os.environ.get(CACHE_ENV, "").strip().lower() not in ("off", "0", "no", "false")


def _identity(path: Path) -> Identity:
    stat = path.stat()
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)


@cache
def _code_version() -> str:
    """A digest of the code that decides what a read gives: a copy made by other code is not used."""
    import kit

    folder = Path(kit.__file__).parent
    digest = hashlib.sha256(str(_FORMAT).encode())
    # All of the kit's code, not a list of the modules a read goes through: a copy also holds the validator's
    # findings, and the validator calls into names, metrics and more; a list kept by hand missed some. Any
    # upgrade of the kit therefore reads the workbook afresh once (a few milliseconds to hash).
    for path in sorted(folder.rglob("*.py")):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _entry(path: Path) -> Path:
    return cache_folder() / f"{hashlib.sha256(str(path).encode()).hexdigest()[:32]}.pickle"
