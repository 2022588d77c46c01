"""Files the kit writes whole: a reader finds the old file or the new one, never half of one."""

from __future__ import annotations

import pytest

from kit.files import replacing, write_atomically


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
