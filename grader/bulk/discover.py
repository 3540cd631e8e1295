"""Find a class's submissions: one folder or one .zip archive per student, named by the student id.

One id is one student: entries whose ids are the same once case, Unicode form and trailing dots
or spaces are set aside (`alice/` and `alice.zip`, `Alice/` and `alice/`) would share a report
folder on many file systems, so none of them is graded; one problem names them all.

Archives are untrusted: they are unpacked by the grader with limits on size, file count and
paths (no absolute paths, no `..`, no links, at most MAX_DEPTH folders deep), into the run's own
work folder. Folders are untrusted too: see grader.submission.locate for how they are searched.
"""
from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.sandbox.removal import remove_tree
from grader.submission.locate import MAX_DEPTH, exercise_files, listing, submission_root

MAX_ARCHIVE_FILES = 2_000
MAX_ARCHIVE_BYTES = 200 * 1024**2  # unpacked; a class repo with the lesson data fits easily
MAX_FILE_BYTES = 20 * 1024**2  # a file bigger than this is not an exercise file; checked before reading it
MAX_MEMBER_CHARS = 1_000  # a zip member's path; with MAX_DEPTH, no unpacked path is too long to open
MAX_NAME_BYTES = 255  # one folder or file name, as most file systems allow
SHOWN_ENTRIES = 5  # names quoted in a problem message
SHOWN_CHARS = 80  # of each


class MalformedSubmission(ValueError):
    """A submission that cannot be opened; the message is one line for the class summary."""


@dataclass(frozen=True)
class ExerciseFile:
    exercise: str
    path: Path  # where the grader reads it (inside the class folder or the unpacked archive)
    shown: str  # as the report names it: <student's folder or archive>/<path inside it>
    content: bytes
    content_hash: str


@dataclass
class Submission:
    student: str
    source: Path  # the student's folder or archive
    files: list[ExerciseFile] = field(default_factory=list)
    problem: str | None = None  # why nothing could be graded
    problem_hash: str = ""  # what the problem was found in, so an unchanged broken submission is not retried


def find_submissions(root: Path, work: Path, names: list[str]) -> list[Submission]:
    """Every student's submission under root, one per student id, sorted by id; archives unpack under work/."""
    entries = sorted((e for e in root.iterdir() if not e.name.startswith(".")), key=lambda e: e.name)
    by_student: dict[str, list[tuple[str, Path]]] = {}
    for entry in entries:
        if entry.is_dir():
            student = entry.name
        elif entry.suffix.lower() == ".zip":
            student = entry.stem
        else:
            continue
        by_student.setdefault(student_key(student), []).append((student, entry))
    submissions = []
    for [(student, entry), *others] in by_student.values():
        if others:
            submissions.append(_same_student([(student, entry), *others]))
        elif entry.is_dir():
            submissions.append(_open(student, entry, entry, names))
        else:
            submissions.append(_open_archive(entry, work / "unpacked" / student, names))
    return sorted(submissions, key=lambda submission: submission.student)


def student_key(student: str) -> str:
    """What makes two ids the same student: equal once Unicode-normalised (NFKC) and case-folded, without
    trailing dots or spaces (Windows drops those), as case-insensitive file systems would name their reports."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", student).casefold())
    return folded.rstrip(". ")


def _same_student(entries: list[tuple[str, Path]]) -> Submission:
    """One problem for several entries of one student: nothing is graded until the instructor keeps one."""
    shown = [_shown(entry.name + ("/" if entry.is_dir() else "")) for _, entry in entries]
    if len(shown) > SHOWN_ENTRIES:
        listed = ", ".join(shown[:SHOWN_ENTRIES]) + f" and {len(shown) - SHOWN_ENTRIES} more"
    else:
        listed = ", ".join(shown[:-1]) + f" and {shown[-1]}"
    student, source = entries[0]
    problem = (f"{listed} would all be student {_shown(student)}, who hands in one submission (ids that differ only "
               "in case, Unicode form or trailing dots and spaces are one student: their reports would share a "
               "folder); keep one of them, then run again")
    return Submission(student, source, problem=problem, problem_hash=_text_hash("\n".join(e.name for _, e in entries)))


def _open_archive(archive: Path, destination: Path, names: list[str]) -> Submission:
    student = archive.stem
    try:
        unpack(archive, destination)
    except MalformedSubmission as exc:
        return Submission(student, archive, problem=str(exc), problem_hash=file_hash(archive))
    return _open(student, archive, destination, names)


def _open(student: str, source: Path, folder: Path, names: list[str]) -> Submission:
    submission = Submission(student, source)
    root = submission_root(folder, names)
    found, _ = exercise_files(root, names)
    for path, exercise in found:
        try:
            if not path.resolve().is_relative_to(folder.resolve()):
                # A link out of the submission could make the grader read, say, the reference solution.
                raise MalformedSubmission(f"{path.name} links outside the submission")
            if path.stat().st_size > MAX_FILE_BYTES:
                raise MalformedSubmission(f"{path.name} is larger than {MAX_FILE_BYTES // 1024**2} MB")
            content = path.read_bytes()
        except (OSError, MalformedSubmission) as exc:
            submission.problem = f"cannot read {path.name}: {getattr(exc, 'strerror', None) or exc}"
            submission.problem_hash = _text_hash(submission.problem)
            return submission
        shown = f"{source.name}/{path.relative_to(folder).as_posix()}"  # e.g. carol.zip/exercises/iris_net.py
        digest = hashlib.sha256(f"{exercise}\0{path.suffix}\0".encode() + content).hexdigest()
        submission.files.append(ExerciseFile(exercise, path, shown, content, digest))
    if not found:
        held = listing(folder)
        shown = ", ".join(_shown(entry) for entry in held[:SHOWN_ENTRIES]) + (" ..." if held[SHOWN_ENTRIES:] else "")
        submission.problem = (f"no exercise file found (looked for {', '.join(f'{n}.py' for n in names)} "
                              f"or .ipynb, also in exercises/); it holds {shown or 'nothing'}")
        submission.problem_hash = _text_hash("\n".join(held))
    return submission


def unpack(archive: Path, destination: Path) -> None:
    """Unpack a student's zip into destination (emptied first), refusing anything unsafe."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > MAX_ARCHIVE_FILES:
                raise MalformedSubmission(f"{archive.name} holds more than {MAX_ARCHIVE_FILES} files")
            if sum(m.file_size for m in members) > MAX_ARCHIVE_BYTES:
                raise MalformedSubmission(f"{archive.name} unpacks to more than {MAX_ARCHIVE_BYTES // 1024**2} MB")
            for member in members:
                _check_member(archive, member)
            remove_tree(destination)
            destination.mkdir(parents=True)
            for member in members:
                target = destination.joinpath(*_member_path(member).parts)
                if member.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(member) as source, target.open("wb") as sink:
                    # file_size is what the archive claims; copy at most that much.
                    sink.write(source.read(member.file_size + 1)[: member.file_size])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        raise MalformedSubmission(f"{archive.name} is not a readable zip archive ({exc})") from None
    except OSError as exc:
        raise MalformedSubmission(f"cannot unpack {archive.name}: {exc.strerror or exc}") from None


def _member_path(member: zipfile.ZipInfo) -> PurePosixPath:
    return PurePosixPath(member.filename.replace("\\", "/"))  # archives made on Windows may use backslashes


def _check_member(archive: Path, member: zipfile.ZipInfo) -> None:
    path = _member_path(member)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise MalformedSubmission(f"{archive.name} holds an unsafe path: {member.filename[:100]!r}")
    if stat.S_ISLNK(member.external_attr >> 16):
        raise MalformedSubmission(f"{archive.name} holds a symbolic link: {member.filename[:100]!r}")
    if len(path.parts) > MAX_DEPTH:
        raise MalformedSubmission(f"{archive.name} holds a path {len(path.parts)} levels deep (at most {MAX_DEPTH}):"
                                  f" {_start(member.filename)}")
    if len(member.filename) > MAX_MEMBER_CHARS or any(len(part.encode()) > MAX_NAME_BYTES for part in path.parts):
        raise MalformedSubmission(f"{archive.name} holds a path too long to unpack (at most {MAX_MEMBER_CHARS}"
                                  f" characters, {MAX_NAME_BYTES} bytes a name): {_start(member.filename)}")


def _start(filename: str) -> str:
    """The start of a long member name, quoted."""
    return repr(filename[:100]) + ("..." if len(filename) > 100 else "")


def _shown(name: str) -> str:
    """A file or folder name from a submission as a problem quotes it: shortened, and quoted when it holds
    characters that would break the line."""
    short = name if len(name) <= SHOWN_CHARS else name[:SHOWN_CHARS - 3] + "..."
    return short if short.isprintable() else repr(short)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
