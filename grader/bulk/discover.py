"""Find a class's submissions: one folder or one .zip archive per student, named by the student id.

One id is one student: entries whose ids are the same once case, Unicode form and trailing dots
or spaces are set aside (`alice/` and `alice.zip`, `Alice/` and `alice/`) would share a report
folder on many file systems, so none of them is graded; one problem names them all.

The class folder itself must hold the students: a folder that holds exercise files at its top (one
student's own submission) or holds no student at all is refused, never graded as something else.

Archives are untrusted: they are unpacked by the grader with limits on size, file count and
paths (no absolute paths, no `..`, no links, at most MAX_DEPTH folders deep), into the run's own
work folder. Folders are untrusted too: see grader.submission.locate for how they are searched.
"""
from __future__ import annotations

import difflib
import hashlib
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.sandbox.removal import remove_tree
from grader.submission.locate import MAX_DEPTH, MAX_LISTED, exercise_files, listing, submission_root

MAX_ARCHIVE_FILES = 2_000
MAX_ARCHIVE_BYTES = 200 * 1024**2  # unpacked; a class repo with the lesson data fits easily
MAX_FILE_BYTES = 20 * 1024**2  # a file bigger than this is not an exercise file; checked before reading it
MAX_MEMBER_CHARS = 1_000  # a zip member's path; with MAX_DEPTH, no unpacked path is too long to open
MAX_NAME_BYTES = 255  # one folder or file name, as most file systems allow
SHOWN_ENTRIES = 5  # names quoted in a problem message
SHOWN_CHARS = 80  # of each


class MalformedSubmission(ValueError):
    """A submission that cannot be opened; the message is one line for the class summary."""


class ClassFolderError(ValueError):
    """The class folder cannot be graded as asked: it is one student's submission, it holds no student, or a
    student asked for is not in it. The message is one line."""


@dataclass(frozen=True)
class ExerciseFile:
    exercise: str
    path: Path  # where the grader reads it (inside the class folder or the unpacked archive)
    shown: str  # as the report names it: <student's folder or archive>/<path inside it>
    content: bytes
    content_hash: str


def exercise_file(exercise: str, path: Path, shown: str, content: bytes) -> ExerciseFile:
    """The exercise file with its content hash: what a later run compares to regrade only what changed (the same
    content handed in as another exercise, or as a notebook rather than a .py, is another submission)."""
    digest = hashlib.sha256(f"{exercise}\0{path.suffix}\0".encode() + content).hexdigest()
    return ExerciseFile(exercise, path, shown, content, digest)


@dataclass
class Submission:
    student: str
    source: Path  # the student's folder or archive
    files: list[ExerciseFile] = field(default_factory=list)
    problem: str | None = None  # why nothing could be graded
    problem_hash: str = ""  # what the problem was found in, so an unchanged broken submission is not retried


def find_submissions(root: Path, work: Path, names: list[str], only: frozenset[str] | None = None) -> list[Submission]:
    """Every student's submission under root, one per student id, sorted by id; archives unpack under work/.
    only: the ids of the students wanted (default: all). Raises ClassFolderError, before anything is unpacked,
    when root is one student's submission, holds no student, or lacks one of only."""
    entries = sorted((e for e in root.iterdir() if not e.name.startswith(".")), key=lambda e: e.name)
    _check_class(root, entries, names)
    by_student: dict[str, list[tuple[str, Path]]] = {}
    for entry in entries:
        if entry.is_dir():
            student = entry.name
        elif entry.suffix.lower() == ".zip":
            student = entry.stem
        else:
            continue
        by_student.setdefault(student_key(student), []).append((student, entry))
    ids = [group[0][0] for group in by_student.values()]
    unknown = sorted((only or set()) - set(ids))
    if unknown:
        raise ClassFolderError(f"no student {_shown(unknown[0])} in {root}{nearest(unknown[0], ids)}")
    submissions = []
    for [(student, entry), *others] in by_student.values():
        if only is not None and student not in only:
            continue
        if others:
            submissions.append(_same_student([(student, entry), *others]))
        elif entry.is_dir():
            submissions.append(_open(student, entry, entry, names))
        else:
            submissions.append(_open_archive(entry, work / "unpacked" / student, names))
    return sorted(submissions, key=lambda submission: submission.student)


def _check_class(root: Path, entries: list[Path], names: list[str]) -> None:
    own, _ = exercise_files(root, names)
    if own:
        # Grading it as a class would make students of its subfolders (exercises/, data/) and find none of its files.
        found = ", ".join(path.relative_to(root).as_posix() for path, _ in own[:SHOWN_ENTRIES])
        raise ClassFolderError(f"{root} is one student's submission, not a class: it holds {found}; pass the folder "
                               f"that holds one folder or .zip per student (its parent, if that is the class), or "
                               f"grade this one with `grader check {root}`")
    if not any(entry.is_dir() or entry.suffix.lower() == ".zip" for entry in entries):
        held = ", ".join(_shown(e.name) for e in entries[:SHOWN_ENTRIES]) + (" ..." if entries[SHOWN_ENTRIES:] else "")
        raise ClassFolderError(f"{root} holds no student submission (one folder or .zip per student, named by the "
                               f"student id); it holds {'only ' + held if held else 'nothing'}")


def nearest(name: str, known: list[str]) -> str:
    """' (did you mean X?)' with the known names closest to name, or '' when none is close."""
    close = [k for k in known if k.casefold() == name.casefold()] or difflib.get_close_matches(name, known, n=3)
    return f" (did you mean {' or '.join(_shown(k) for k in close)}?)" if close else ""


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
        members = _members(archive)
        held = "" if members is None else "; " + holds(members)
        return Submission(student, archive, problem=f"{exc}{held}", problem_hash=file_hash(archive))
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
            held = listing(folder)
            submission.problem = f"cannot read {path.name}: {getattr(exc, 'strerror', None) or exc}; {holds(held)}"
            submission.problem_hash = _text_hash(submission.problem)
            return submission
        shown = f"{source.name}/{path.relative_to(folder).as_posix()}"  # e.g. carol.zip/exercises/iris_net.py
        submission.files.append(exercise_file(exercise, path, shown, content))
    if not found:
        held = listing(folder)
        searched = f"{root.relative_to(folder).as_posix()}/" if root != folder else ""
        inside = f" (inside {_shown(searched)})" if searched else ""
        submission.problem = (f"no exercise file found{inside} (looked for {', '.join(f'{n}.py' for n in names)} "
                              f"or .ipynb, at the top or in exercises/); {holds(held)}{_hint(held, names, searched)}")
        submission.problem_hash = _text_hash("\n".join(held))
    return submission


def holds(held: list[str]) -> str:
    """What a submission holds, in a problem message: how many files, and the first few by name (Python files and
    notebooks first, then the rest in listing order; what is inside hidden folders such as .git/ only if nothing
    else is there). held: paths as grader.submission.locate.listing gives them."""
    files = [entry for entry in held if not entry.endswith("/")]
    shown = [entry for entry in files if not _hidden(entry)] or files
    if not shown:
        folders = [entry for entry in held if not _hidden(entry)] or held
        if not folders:
            return "it is empty"
        more = " ..." if folders[SHOWN_ENTRIES:] else ""
        return f"it holds no file, only folders: {', '.join(_shown(f) for f in folders[:SHOWN_ENTRIES])}{more}"
    shown.sort(key=lambda entry: not entry.endswith((".py", ".ipynb")))  # stable: listing order otherwise
    count = f"{len(shown):,}{' or more' if len(held) >= MAX_LISTED else ''}"
    more = f" and {len(shown) - SHOWN_ENTRIES} more" if shown[SHOWN_ENTRIES:] else ""
    hidden = f" (and {len(files) - len(shown)} in hidden folders)" if len(shown) < len(files) else ""
    return (f"it holds {count} file{'' if count == '1' else 's'}{hidden}: "
            f"{', '.join(_shown(entry) for entry in shown[:SHOWN_ENTRIES])}{more}")


def _hidden(entry: str) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in entry.rstrip("/").split("/"))


def _hint(held: list[str], names: list[str], searched: str) -> str:
    """How to make the grader find a file that is nearly an exercise file: misnamed, in another folder, or not
    a file it can read. searched: the folder the grader looked in, relative to the submission ('' for its top)."""
    places = {searched, f"{searched}exercises/"}
    for entry in held:
        path = PurePosixPath(entry)
        if entry.endswith("/") or path.suffix not in (".py", ".ipynb") or _hidden(entry):
            continue
        where = entry[: len(entry) - len(path.name)]
        if path.stem in names:
            if where in places:
                return f"; {_shown(entry)} is there but cannot be read as a file (a link that leads nowhere?)"
            return (f"; {_shown(entry)} is not where the grader looks: it must be at the top of the submission "
                    f"or in exercises/")
        close = difflib.get_close_matches(path.stem.lower().replace("-", "_").replace(" ", "_"), names, n=1,
                                          cutoff=0.75)
        if close:
            return f"; if {_shown(entry)} is the {close[0]} exercise, it must be named {close[0]}{path.suffix}"
    return ""


def _members(archive: Path) -> list[str] | None:
    """The paths an archive holds (at most MAX_LISTED), or None if it cannot be read as a zip at all."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            return [info.filename for _, info in zip(range(MAX_LISTED), zipped.infolist())]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError, OSError):
        return None


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
