"""Finding a class's submissions: folders, zip archives, and the unsafe or broken ones."""
from __future__ import annotations

import csv
import os
import sqlite3
import stat
import unicodedata
import zipfile
from pathlib import Path

import pytest

from grader.bulk.discover import (MAX_ARCHIVE_FILES, SHOWN_ENTRIES, ClassFolderError, MalformedSubmission,
                                  find_submissions,
                                  unpack)
from grader.bulk.run import BulkOptions, run_bulk
from grader.sandbox.removal import remove_tree
from grader.submission.locate import MAX_DEPTH, MAX_LISTED, listing

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
    # Deeper than any repository: pathlib's mkdir recursed once per level and died, leaving the folders.
    ({"a/" * 3000 + "iris_net.py": "x"}, {}, "3001 levels deep"),
    ({"a/" * MAX_DEPTH + "iris_net.py": "x"}, {}, f"at most {MAX_DEPTH}"),
    ({"x" * 300 + "/iris_net.py": "x"}, {}, "too long to unpack"),
    ({"/".join(["y" * 200] * 20) + "/iris_net.py": "x"}, {}, "too long to unpack"),
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


def test_a_zip_as_deep_as_the_limit_still_unpacks(tmp_path):
    archive = zip_with(tmp_path / "ann.zip", {"a/" * (MAX_DEPTH - 1) + "iris_net.py": "x = 1\n"})
    unpack(archive, tmp_path / "out")
    assert (tmp_path / "out").joinpath(*["a"] * (MAX_DEPTH - 1), "iris_net.py").read_text() == "x = 1\n"


# One id, one student: the same student twice is refused as a whole, with one problem naming every entry.

NFC, NFD = unicodedata.normalize("NFC", "José"), unicodedata.normalize("NFD", "José")


@pytest.mark.parametrize("entries, student", [
    (["alice/", "alice.zip"], "alice"),
    (["Bob/", "bob/"], "Bob"),
    (["Dan.ZIP", "dan.zip"], "Dan"),
    ([f"{NFC}/", f"{NFD}.zip"], min(NFC, NFD)),  # the id of the entry that sorts first
    (["eve./", "eve/", "EVE.zip"], "EVE"),  # Windows drops a trailing dot
])
def test_the_same_student_twice_is_refused_with_one_problem(tmp_path, entries, student):
    root = tmp_path / "class"
    (root / "carol").mkdir(parents=True)
    (root / "carol" / "iris_net.py").write_text("x = 1\n")
    for entry in entries:
        if entry.endswith("/"):
            (root / entry).mkdir()
            (root / entry / "iris_net.py").write_text("x = 2\n")
        else:
            zip_with(root / entry, {"iris_net.py": "x = 3\n"})
    found = find_submissions(root, tmp_path / "work", NAMES)
    assert [s.student for s in found] == sorted([student, "carol"])
    [same] = [s for s in found if s.student == student]
    assert same.files == [] and same.problem_hash
    assert all(entry in same.problem for entry in entries) and "keep one" in same.problem
    assert not (tmp_path / "work" / "unpacked").exists()  # none of them was even unpacked
    assert [f.shown for s in found if s.student == "carol" for f in s.files] == ["carol/iris_net.py"]


def test_many_entries_of_one_student_are_named_in_one_line(tmp_path):
    root = tmp_path / "class"
    root.mkdir()
    for name in ["ann", "Ann", "ANN", "aNN", "anN", "AnN"]:
        (root / name).mkdir()
    (root / "ann.zip").write_bytes(b"")
    [same] = find_submissions(root, tmp_path / "work", NAMES)
    assert "and 2 more" in same.problem and "\n" not in same.problem


def test_the_class_outputs_and_the_gradebook_agree_on_students(tmp_path):
    # alice/ and alice.zip were once both recorded under alice while grades.csv kept one row.
    root, out = tmp_path / "class", tmp_path / "out"
    (root / "alice" / "src").mkdir(parents=True)
    (root / "alice.zip").write_bytes(b"not a zip")
    (root / "bob").mkdir()
    result = run_bulk(BulkOptions(submissions=root, out=out, workers=1))
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        book = db.execute("SELECT student, error_message FROM gradings ORDER BY student").fetchall()
    with (out / "grades.csv").open(newline="") as stream:
        csv_students = [row["student"] for row in csv.DictReader(stream)]
    assert [student for student, _ in book] == csv_students == \
        [s["student"] for s in result.results["students"]] == ["alice", "bob"]
    assert "alice/ and alice.zip" in book[0][1] and result.students == 2
    assert "alice/ and alice.zip" in (out / "summary.html").read_text()


# Hostile folders: as deep, wide or looped as a student likes, they cost a bounded number of entries read.

@pytest.fixture
def deep_class(tmp_path):
    """A class whose student `deep` handed in 1,200 folders, each the only thing in the one above."""
    root = tmp_path / "class"
    folder = root / "deep"
    folder.mkdir(parents=True)
    for _ in range(1200):  # os.makedirs and pathlib's mkdir would recurse
        folder = folder / "a"
        folder.mkdir()
    (folder / "iris_net.py").write_text("x = 1\n")
    yield root
    remove_tree(root)  # shutil.rmtree, as pytest cleans up, would recurse


def test_a_folder_thousands_of_levels_deep_is_searched_only_so_far(tmp_path, deep_class):
    [deep] = find_submissions(deep_class, tmp_path / "work", NAMES)
    assert deep.files == [] and "no exercise file found" in deep.problem
    assert "it holds no file, only folders: a/, a/a/, a/a/a/, a/a/a/a/, a/a/a/a/a/ ..." in deep.problem
    held = listing(deep_class / "deep")
    assert held[-1] == "a/" * MAX_DEPTH and len(held) == MAX_DEPTH


def test_names_too_long_to_open_and_links_that_loop_are_no_exercise_files(tmp_path):
    root = tmp_path / "class"
    (root / "long").mkdir(parents=True)
    fd = os.open(root / "long", os.O_RDONLY)
    try:
        for _ in range(17):  # 17 names of 250 characters: more than a path may hold (PATH_MAX is 4,096)
            os.mkdir("n" * 250, dir_fd=fd)
            inner = os.open("n" * 250, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    (root / "loop").mkdir()
    (root / "loop" / "exercises").symlink_to(root / "loop")
    (root / "loop" / "iris_net.py").symlink_to(root / "loop" / "iris_net.py")
    (root / "loop" / "wrapper").symlink_to(root / "loop")
    found = {s.student: s for s in find_submissions(root, tmp_path / "work", NAMES)}
    assert all(not s.files and "no exercise file found" in s.problem and len(s.problem) < 1000 for s in found.values())
    assert set(listing(root / "loop")) == {"exercises", "iris_net.py", "wrapper"}  # listed, not followed


def test_a_folder_of_many_files_is_read_only_so_far(tmp_path):
    root = tmp_path / "class"
    (root / "wide").mkdir(parents=True)
    for i in range(MAX_LISTED + 500):
        (root / "wide" / f"f{i:05}.txt").touch()
    [wide] = find_submissions(root, tmp_path / "work", NAMES)
    assert wide.problem.count(".txt") == SHOWN_ENTRIES and "it holds 2,000 or more files: f0" in wide.problem
    assert wide.problem.endswith(f".txt and {MAX_LISTED - SHOWN_ENTRIES} more")
    assert len(listing(root / "wide")) == MAX_LISTED


def test_unpacked_trees_are_removed_whatever_their_depth_and_links_are_not_followed(tmp_path, deep_class):
    kept = tmp_path / "kept.txt"
    kept.write_text("not the grader's to delete")
    (deep_class / "deep" / "link").symlink_to(kept)
    (deep_class / "deep" / "folder_link").symlink_to(tmp_path)
    remove_tree(deep_class)
    assert not deep_class.exists() and kept.read_text()


# What SUBMISSIONS must be: a folder of students, never one student's own folder or an empty one.

@pytest.mark.parametrize("files, found", [
    ({"iris_net.py": "x = 1\n", "README.md": "mine"}, "iris_net.py"),
    ({"exercises/iris_net.py": "x = 1\n", "exercises/pass_fail.ipynb": "{}", "data/iris.csv": ""},
     "exercises/iris_net.py, exercises/pass_fail.ipynb"),
])
def test_one_students_folder_is_refused_not_graded_as_a_class_of_its_subfolders(tmp_path, files, found):
    root = tmp_path / "ana"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    with pytest.raises(ClassFolderError) as raised:
        find_submissions(root, tmp_path / "work", NAMES)
    message = str(raised.value)
    assert message == (f"{root} is one student's submission, not a class: it holds {found}; pass the folder that holds "
                       f"one folder or .zip per student (its parent, if that is the class), or grade this one with "
                       f"`grader check {root}`")
    assert not (tmp_path / "work").exists()


@pytest.mark.parametrize("entries, held", [
    ([], "nothing"),
    ([".DS_Store", ".git/"], "nothing"),  # hidden entries are no students
    (["notes.txt", "roster.csv"], "only notes.txt, roster.csv"),
])
def test_a_class_folder_without_students_is_refused(tmp_path, entries, held):
    root = tmp_path / "class"
    root.mkdir()
    for entry in entries:
        (root / entry.rstrip("/")).mkdir() if entry.endswith("/") else (root / entry).write_text("")
    with pytest.raises(ClassFolderError, match="holds no student submission") as raised:
        find_submissions(root, tmp_path / "work", NAMES)
    assert str(raised.value).endswith(f"; it holds {held}") and "\n" not in str(raised.value)


def test_a_student_asked_for_by_id_must_be_in_the_class_and_the_nearest_ids_are_named(tmp_path):
    root = tmp_path / "class"
    for student in ("alice", "alicia", "bob"):
        (root / student).mkdir(parents=True)
        (root / student / "iris_net.py").write_text("x = 1\n")
    with pytest.raises(ClassFolderError) as raised:
        find_submissions(root, tmp_path / "work", NAMES, only=frozenset({"alcie"}))
    assert str(raised.value) == f"no student alcie in {root} (did you mean alice or alicia?)"
    with pytest.raises(ClassFolderError, match=r"\(did you mean bob\?\)"):
        find_submissions(root, tmp_path / "work", NAMES, only=frozenset({"BOB"}))
    assert [s.student for s in find_submissions(root, tmp_path / "work", NAMES, only=frozenset({"bob"}))] == ["bob"]


# A submission that cannot be opened says what it actually holds, so the instructor sees the student's mistake.

def test_a_submission_without_an_exercise_file_lists_its_files_and_says_what_is_wrong(tmp_path):
    root = tmp_path / "class"
    layouts = {
        "misnamed": {"README.md": "", "Iris-Net.py": "x = 1\n"},
        "elsewhere": {"src/iris_net.py": "x = 1\n", "requirements.txt": ""},
        "repo": {".git/HEAD": "", ".git/config": "", "notes.md": ""},
        "folders": {"a/b/": None},
        "empty": {},
    }
    for student, files in layouts.items():
        (root / student).mkdir(parents=True)
        for name, text in files.items():
            (root / student / name).parent.mkdir(parents=True, exist_ok=True)
            if text is None:
                (root / student / name).mkdir(exist_ok=True)
            else:
                (root / student / name).write_text(text)
    found = find(root, tmp_path)
    looked = "no exercise file found (looked for iris_net.py, pass_fail.py or .ipynb, at the top or in exercises/); "
    assert found["misnamed"].problem == (looked + "it holds 2 files: Iris-Net.py, README.md; if Iris-Net.py is the "
                                                  "iris_net exercise, it must be named iris_net.py")
    assert found["elsewhere"].problem == (looked + "it holds 2 files: src/iris_net.py, requirements.txt; "
                                                   "src/iris_net.py is not where the grader looks: it must be at the "
                                                   "top of the submission or in exercises/")
    assert found["repo"].problem == looked + "it holds 1 file (and 2 in hidden folders): notes.md"
    assert found["folders"].problem == looked.replace("found", "found (inside a/b/)") + \
        "it holds no file, only folders: a/, a/b/"
    assert found["empty"].problem == looked + "it is empty"


def test_a_broken_or_unsafe_submission_lists_the_files_it_holds(tmp_path):
    root = tmp_path / "class"
    root.mkdir()
    zip_with(root / "peg.zip", {"../../escape/iris_net.py": "x", "notes.txt": ""})
    (root / "eve").mkdir()
    (root / "eve" / "iris_net.py").symlink_to(tmp_path / "secret.py")
    (root / "eve" / "draft.txt").write_text("")
    (tmp_path / "secret.py").write_text("the answers")
    (root / "cat.zip").write_bytes(b"PK\x03\x04 definitely not a zip")
    found = find(root, tmp_path)
    assert found["peg"].problem == ("peg.zip holds an unsafe path: '../../escape/iris_net.py'; it holds 2 files: "
                                    "../../escape/iris_net.py, notes.txt")
    assert found["eve"].problem == ("cannot read iris_net.py: iris_net.py links outside the submission; it holds "
                                    "2 files: iris_net.py, draft.txt")
    assert found["cat"].problem.startswith("cat.zip is not a readable zip archive (")  # nothing can be listed
    assert "holds" not in found["cat"].problem
