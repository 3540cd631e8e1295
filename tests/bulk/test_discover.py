"""Finding a class's submissions: folders, zip archives, and the unsafe or broken ones."""
from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from grader.bulk.discover import MAX_ARCHIVE_FILES, MalformedSubmission, find_submissions, unpack

NAMES = ["iris_net", "pass_fail"]


def zip_with(path: Path, files: dict[str, str], links: dict[str, str] = {}) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        for name, text in files.items():
            zipped.writestr(name, text)
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zipped.writestr(info, target)
    return path


def find(root: Path, tmp_path: Path):
    return {s.student: s for s in find_submissions(root, tmp_path / "work", NAMES)}


def test_folders_and_archives_become_students_named_after_them(tmp_path):
    root = tmp_path / "class"
    (root / "ana" / "exercises").mkdir(parents=True)
    (root / "ana" / "exercises" / "iris_net.py").write_text("x = 1\n")
    (root / "ana" / "pass_fail.ipynb").write_text("{}")
    zip_with(root / "ben.zip", {"ben-repo-main/exercises/iris_net.py": "y = 2\n", "ben-repo-main/README.md": "hi"})
    (root / "notes.txt").write_text("not a submission")
    (root / ".DS_Store").write_text("")
    found = find(root, tmp_path)
    assert sorted(found) == ["ana", "ben"]
    assert [(f.exercise, f.shown) for f in found["ana"].files] == [
        ("iris_net", "ana/exercises/iris_net.py"), ("pass_fail", "ana/pass_fail.ipynb")]
    (ben,) = found["ben"].files
    assert ben.shown == "ben.zip/ben-repo-main/exercises/iris_net.py" and ben.content == b"y = 2\n"


def test_the_content_hash_changes_with_the_content_only(tmp_path):
    root = tmp_path / "class"
    for student in ("ana", "ben"):
        (root / student).mkdir(parents=True)
        (root / student / "iris_net.py").write_text("same\n")
    first = find(root, tmp_path)
    assert first["ana"].files[0].content_hash == first["ben"].files[0].content_hash
    (root / "ben" / "iris_net.py").write_text("changed\n")
    assert find(root, tmp_path)["ben"].files[0].content_hash != first["ben"].files[0].content_hash


@pytest.mark.parametrize("files, links, reason", [
    ({"../evil/iris_net.py": "x"}, {}, "unsafe path"),
    ({"/etc/iris_net.py": "x"}, {}, "unsafe path"),
    ({"ok/iris_net.py": "x"}, {"ok/pass_fail.py": "/work/main/reference/pass_fail.py"}, "symbolic link"),
    ({f"f{i}.txt": "" for i in range(MAX_ARCHIVE_FILES + 1)}, {}, "more than"),
])
def test_unsafe_archives_are_refused_before_anything_is_written(tmp_path, files, links, reason):
    archive = zip_with(tmp_path / "eve.zip", files, links)
    with pytest.raises(MalformedSubmission, match=reason):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_archive_that_claims_to_be_small_cannot_unpack_more(tmp_path):
    archive = zip_with(tmp_path / "eve.zip", {"iris_net.py": "a" * 100_000})
    with zipfile.ZipFile(archive) as zipped:
        info = zipped.infolist()[0]
    # A zip bomb lies about file_size in its directory; the copy stops at the size it declared.
    raw = bytearray(archive.read_bytes())
    directory = raw.rfind(b"PK\x01\x02")
    raw[directory + 24:directory + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(raw))
    try:
        unpack(archive, tmp_path / "out")
    except MalformedSubmission:
        return  # refusing it outright is fine too
    assert (tmp_path / "out" / "iris_net.py").stat().st_size <= 10 < info.file_size


def test_broken_and_empty_submissions_are_recorded_with_a_reason(tmp_path):
    root = tmp_path / "class"
    root.mkdir()
    (root / "cat.zip").write_bytes(b"PK\x03\x04 definitely not a zip")
    (root / "dan" / "src").mkdir(parents=True)
    (root / "dan" / "src" / "main.py").write_text("")
    (root / "eve").mkdir()
    (root / "eve" / "iris_net.py").symlink_to(tmp_path / "secret.py")
    (tmp_path / "secret.py").write_text("the answers")
    found = find(root, tmp_path)
    assert "not a readable zip archive" in found["cat"].problem
    assert "no exercise file found" in found["dan"].problem
    assert "links outside the submission" in found["eve"].problem
    assert all(not s.files and s.problem_hash for s in found.values())
