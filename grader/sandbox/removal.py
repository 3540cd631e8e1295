"""Removing a folder tree that a submission may have shaped (standard library only: the zygote uses it
inside the sandbox, the grader for unpacked archives and a sandbox's own folder).

shutil.rmtree recurses once per level (a tree a few thousand levels deep raises RecursionError, which
ignore_errors does not catch) and names every entry by its full path (beyond PATH_MAX nothing can be
deleted). This walks the tree one folder at a time, relative to an open descriptor of it, so neither
depth nor path length matters: links are deleted, never followed; a folder made read-only is made
writable by its owner first; whatever cannot be deleted is left, and the walk still ends.
"""
import contextlib
import os
import stat

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


def remove_tree(path) -> None:
    """Delete path (a folder and everything in it, or a single file or link) as far as possible."""
    path = os.fspath(path)
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)
            return
        fd = os.open(path, _FOLDER | os.O_NOFOLLOW)
    except OSError:
        return
    names, stuck = [], set()  # the way down from path; (device, inode) of folders that could not be removed
    while True:
        below = _empty_but_folders(fd, stuck)
        if below is not None:  # go down into it
            try:
                child = os.open(below, _FOLDER | os.O_NOFOLLOW, dir_fd=fd)
            except OSError:
                info = os.stat(below, dir_fd=fd, follow_symlinks=False)
                stuck.add((info.st_dev, info.st_ino))
                continue
            os.close(fd)
            fd = child
            names.append(below)
            continue
        here = os.fstat(fd)
        if not names:  # back at the top
            os.close(fd)
            with contextlib.suppress(OSError):
                os.rmdir(path)
            return
        parent = os.open("..", _FOLDER, dir_fd=fd)  # up again: no process of the job is left to move it
        os.close(fd)
        fd = parent
        try:
            os.rmdir(names.pop(), dir_fd=fd)
        except OSError:
            stuck.add((here.st_dev, here.st_ino))


def _empty_but_folders(fd: int, stuck: set) -> str | None:
    """Delete every non-folder entry of the folder open at fd; the name of a folder in it still to remove."""
    with contextlib.suppress(OSError):
        os.fchmod(fd, stat.S_IRWXU)
    try:
        with os.scandir(fd) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    if not entry.is_dir(follow_symlinks=False):
                        os.unlink(entry.name, dir_fd=fd)
                        continue
                    info = entry.stat(follow_symlinks=False)
                    if (info.st_dev, info.st_ino) not in stuck:
                        return entry.name
    except OSError:
        pass
    return None
