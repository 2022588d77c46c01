"""Files the kit writes whole (workbooks, reports, e-mails, the delivery ledger, the read cache's copies).

Each is written to a temporary file beside its place, then moved into it with one rename, so a reader, or the
next run after a crash, finds the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def replacing(target: Path, *, durable: bool = True) -> Iterator[BinaryIO]:
    """A temporary file beside ``target``, open for writing; it replaces ``target`` when the block ends.

    ``durable``: flushed to the disk first, so a power cut cannot leave an empty file in its place. If the
    block fails, the temporary file is deleted and ``target`` is as it was.
    """
    target = Path(target)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def write_atomically(target: Path, content: str | bytes, *, durable: bool = True) -> None:
    """``content`` (text is written as UTF-8) as the whole of ``target``, by ``replacing``."""
    with replacing(target, durable=durable) as handle:
        handle.write(content.encode("utf-8") if isinstance(content, str) else content)
