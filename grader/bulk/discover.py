"""Find a class's submissions: one folder or one .zip archive per student, named by the student id.

Archives are untrusted: they are unpacked by the grader with limits on size, file count and
paths (no absolute paths, no `..`, no links), into the run's own work folder.
"""
from __future__ import annotations

import hashlib
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.submission.locate import exercise_files, submission_root

MAX_ARCHIVE_FILES = 2_000
MAX_ARCHIVE_BYTES = 200 * 1024**2  # unpacked; a class repo with the lesson data fits easily
MAX_FILE_BYTES = 20 * 1024**2  # a file bigger than this is not an exercise file; checked before reading it


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
    """Every student's submission under root, sorted by student id; archives unpack under work/."""
    entries = sorted((e for e in root.iterdir() if not e.name.startswith(".")), key=lambda e: e.name)
    submissions = []
    for entry in entries:
        if entry.is_dir():
            submissions.append(_open(entry.name, entry, entry, names))
        elif entry.suffix.lower() == ".zip":
            submissions.append(_open_archive(entry, work / "unpacked" / entry.stem, names))
    return submissions


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
        listing = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))[:50]
        submission.problem = (f"no exercise file found (looked for {', '.join(f'{n}.py' for n in names)} "
                              "or .ipynb, also in exercises/)")
        submission.problem_hash = _text_hash("\n".join(listing))
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
            if destination.exists():
                shutil.rmtree(destination)
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


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
