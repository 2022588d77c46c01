"""Files the kit writes whole: a reader finds the old file or the new one, never half of one."""

from __future__ import annotations

import errno
import os
import stat
import time

import pytest

from kit import files
from kit.errors import KitError
from kit.files import replacing, write_atomically

pytest_plugins = ["tests.small_disk"]  # the small_disk fixture


def test_a_write_replaces_the_whole_file_and_leaves_nothing_beside_it(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("last week's report")

    write_atomically(target, "this week's report")

    assert target.read_text() == "this week's report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_write_that_fails_midway_leaves_the_old_file_as_it_was(tmp_path):
    target = tmp_path / "deliveries.json"
    target.write_bytes(b'{"sent": ["alice"]}')

    with pytest.raises(RuntimeError), replacing(target) as handle:
        handle.write(b'{"sent": ["al')
        raise RuntimeError("disk full")

    assert target.read_bytes() == b'{"sent": ["alice"]}'
    assert [p.name for p in tmp_path.iterdir()] == ["deliveries.json"]


def test_a_write_keeps_the_files_mode_and_group(tmp_path):
    # A workbook on a shared drive, readable and writable by the team's group.
    target = tmp_path / "program.xlsx"
    target.write_bytes(b"old")
    os.chmod(target, 0o664)
    team = _another_group(target)
    if team is not None:
        os.chown(target, -1, team)

    write_atomically(target, b"new")

    assert stat.S_IMODE(target.stat().st_mode) == 0o664
    if team is not None:
        assert target.stat().st_gid == team


def test_a_new_file_gets_the_mode_any_new_file_gets(tmp_path):
    umask = os.umask(0o022)
    try:
        write_atomically(tmp_path / "report.html", "<p>hello</p>")
    finally:
        os.umask(umask)

    assert stat.S_IMODE((tmp_path / "report.html").stat().st_mode) == 0o644


def test_a_write_through_a_symlink_replaces_the_file_it_points_to(tmp_path):
    synced = tmp_path / "Drive"
    synced.mkdir()
    (synced / "program.xlsx").write_bytes(b"old")
    link = tmp_path / "program.xlsx"
    link.symlink_to(synced / "program.xlsx")

    write_atomically(link, b"new")

    assert link.is_symlink()
    assert (synced / "program.xlsx").read_bytes() == b"new"
    assert sorted(p.name for p in synced.iterdir()) == ["program.xlsx"]


def test_a_full_disk_is_one_clear_error_and_the_old_file_stays(small_disk):
    target = small_disk.path / "deliveries.json"
    target.write_bytes(b"{}")
    small_disk.fill_up()

    with pytest.raises(KitError, match=rf"^{target}: cannot write it: no space left on device"):
        write_atomically(target, b'{"sent": ["alice", "bob"]}' * 10_000)

    assert target.read_bytes() == b"{}"
    assert sorted(p.name for p in small_disk.path.iterdir()) == ["deliveries.json", "filler"]


def test_an_error_reading_something_else_inside_a_write_is_not_reported_as_the_target_unwritable(tmp_path):
    # write_patched reads the source workbook inside the block: its permission error is that read's, not
    # a failure to write the target
    target = tmp_path / "program.xlsx"
    target.write_bytes(b"old")

    with pytest.raises(PermissionError, match="source.xlsx"), replacing(target) as handle:
        handle.write(b"new")
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "source.xlsx"))

    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["program.xlsx"]


def test_stale_temporary_files_are_removed_and_a_fresh_one_is_kept(tmp_path):
    target = tmp_path / "program.xlsx"
    target.write_bytes(b"workbook")
    old = tmp_path / ".program.xlsx.k1l4d3x9.tmp"  # left by a writer killed an hour ago
    fresh = tmp_path / ".program.xlsx.w0rk1ng5.tmp"  # being written right now
    other = tmp_path / ".budget.xlsx.k1l4d3x9.tmp"  # another file's
    for path in (old, fresh, other):
        path.write_bytes(b"PK")
    an_hour_ago = time.time() - 3600
    for path in (old, other):
        os.utime(path, (an_hour_ago, an_hour_ago))

    files.remove_stale_temporaries(target, older_than=60)

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, fresh.name, other.name])


def _another_group(path) -> int | None:
    """A group other than the file's that this user may give it (any, as root), or None."""
    current = path.stat().st_gid
    groups = [g for g in os.getgroups() if g != current]
    if os.geteuid() == 0:
        return 4242 if current != 4242 else 4243
    return groups[0] if groups else None
