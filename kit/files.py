"""Files the kit writes whole (workbooks, reports, e-mails, the delivery ledger, the read cache's copies).

Each is written to a temporary file beside its place, then moved into it with one rename, so a reader, or the
next run after a crash, finds the old file or the new one, never half of one. The new file keeps what the
old one had that people rely on: its mode and group (colleagues on a shared drive still open it) and its
place (a path that is a symbolic link, into a synced folder, is written through to the file it points to).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from kit.errors import KitError

# What a full, read-only or closed-off folder says; each is one clear line, not a traceback.
_CANNOT_WRITE = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


@contextmanager
def replacing(target: Path, *, durable: bool = True, mode: int | None = None) -> Iterator[BinaryIO]:
    """A temporary file beside ``target``, open for writing; it replaces ``target`` when the block ends.

    ``durable``: flushed to the disk first, so a power cut cannot leave an empty file in its place. If the
    block fails, the temporary file is deleted and ``target`` is as it was. ``mode``: the new file's mode;
    by default the old file's (with its group), or for a new file what any new file gets (0666 less the
    umask). A full disk, a read-only folder or one the user may not write to raises ``KitError`` naming
    ``target``.
    """
    place = real_path(target)
    name = None
    try:
        try:
            fd, name = tempfile.mkstemp(dir=place.parent, prefix=f".{place.name}.", suffix=".tmp")
            _take_over(fd, place, mode)
            handle = os.fdopen(fd, "wb")
        except OSError as error:
            raise _unwritable(target, error) from None
        output = _Abandonable(handle)
        try:
            try:
                yield output  # type: ignore[misc]
            except BaseException:
                # Whatever still holds the handle (a ZipFile finishes its directory when collected) writes
                # into nothing, rather than into a closed file with a stray traceback.
                output.abandon()
                if output.failure is not None:  # the block failed because writing the file did
                    raise _unwritable(target, output.failure) from None
                raise  # the block's own failure (reading a source, say) is not a failure to write
            try:
                if durable:
                    handle.flush()
                    os.fsync(handle.fileno())
                handle.close()
                os.replace(name, place)
            except OSError as error:
                raise _unwritable(target, error) from None
        finally:
            with contextlib.suppress(OSError):  # what could not be written is already reported
                handle.close()
    except BaseException:
        if name is not None:
            Path(name).unlink(missing_ok=True)
        raise


def _unwritable(target: Path, error: OSError) -> BaseException:
    """The kit's own write of ``target`` failed: a full disk or a folder closed to the user is one clear
    line naming ``target``; anything else stays as it was raised."""
    if error.errno in _CANNOT_WRITE:
        reason = os.strerror(error.errno).lower()
        return KitError(f"{target}: cannot write it: {reason}; it was left as it was")
    return error


def write_atomically(target: Path, content: str | bytes, *, durable: bool = True) -> None:
    """``content`` (text is written as UTF-8) as the whole of ``target``, by ``replacing``."""
    with replacing(target, durable=durable) as handle:
        handle.write(content.encode("utf-8") if isinstance(content, str) else content)


def real_path(path: Path) -> Path:
    """Where ``path`` really is: symbolic links followed (a link into a synced folder is written through)."""
    return Path(os.path.realpath(path))


def remove_stale_temporaries(target: Path, *, older_than: float) -> None:
    """Delete the temporary files ``replacing`` left beside ``target`` (a writer killed mid-write) that
    nobody has written to for ``older_than`` seconds; a younger one may be another writer's, still going."""
    place = real_path(target)
    prefix = f".{place.name}."
    deadline = time.time() - older_than
    try:
        entries = list(os.scandir(place.parent))
    except OSError:
        return
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < deadline:
                os.unlink(entry.path)
        except OSError:  # gone already, or not ours to delete
            continue


def _take_over(fd: int, place: Path, mode: int | None) -> None:
    """Give the temporary file the mode, owner and group of the file it replaces (as far as allowed)."""
    try:
        old = os.stat(place)
    except FileNotFoundError:
        old = None
    if old is not None:
        for owner in (old.st_uid, -1):  # the owner only as root; else just the group
            try:
                os.fchown(fd, owner, old.st_gid)
                break
            except OSError:
                continue
    if mode is None:
        mode = old.st_mode if old is not None else 0o666 & ~_umask()
    os.fchmod(fd, mode & 0o7777)  # after fchown, which may clear the set-id bits


def _umask() -> int:
    """The process's umask; read from /proc where possible, since setting it to read it is not thread-safe."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


class _Abandonable(io.RawIOBase):
    """A file being written, until ``abandon()``; then writes and seeks only move a position kept here."""

    def __init__(self, handle: BinaryIO) -> None:
        super().__init__()
        self._handle: BinaryIO | None = handle
        self._position = 0
        self.failure: OSError | None = None  # what writing to the file raised, if anything

    def _writing(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except OSError as error:
            self.failure = error
            raise

    def abandon(self) -> None:
        if self._handle is not None:
            try:
                self._position = self._handle.tell()
            except (OSError, ValueError):
                self._position = 0
            self._handle = None

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        handle = self._handle
        if handle is not None:
            return self._writing(lambda: handle.write(data))
        size = len(memoryview(data).cast("B"))
        self._position += size
        return size

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        handle = self._handle
        if handle is not None:
            return self._writing(lambda: handle.seek(offset, whence))
        self._position = offset if whence == os.SEEK_SET else self._position + offset
        return self._position

    def tell(self) -> int:
        return self._handle.tell() if self._handle is not None else self._position

    def flush(self) -> None:
        handle = self._handle
        if handle is not None:
            self._writing(handle.flush)

    def fileno(self) -> int:
        if self._handle is None:
            raise OSError(errno.EBADF, "the write was abandoned")
        return self._handle.fileno()

    def close(self) -> None:  # the real file is closed by ``replacing``
        self.abandon()
        super().close()
