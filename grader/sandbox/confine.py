"""Confining one job's worker before any student code runs: fresh namespaces and private folders,
another user, Landlock, no capabilities.

Standard library only: the zygote imports it inside the sandbox, and the grader runs it as a script
(`python -I confine.py --probe CONFIG`) to learn which features this machine allows, trying them
exactly as a worker applies them. A worker applies exactly the features its zygote was started with,
so the report's list of protections is what was applied; a feature that fails is an OSError and the
worker runs no student code.

The config (plain JSON, from the grader):
  mode        "bubblewrap" (the zygote runs inside bwrap) or "process" (process limits only)
  namespaces  fresh mount and IPC namespaces per job (network too, in process mode; a user namespace
              inside bwrap or when not root), in which the `hide` folders are empty private ones
  uid         process mode, as root: the job runs as this uid (the sandbox's own), not as root
  landlock    the Landlock ABI to use (0: none): the job may read only `read`, write only its own folders
  hide, keep  folders replaced by fresh private ones; paths below them that stay visible (read-only)
  read        what the job may read and execute under Landlock
  size        bytes of each private folder
"""
import ctypes
import json
import os
import signal
import stat
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from removal import remove_tree  # noqa: E402  (standalone, like this module)

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18

PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 4, 24, 38, 47, 4
LAST_CAPABILITY = 63  # beyond what the kernel knows; dropping an unknown one fails harmlessly

# Landlock (linux/landlock.h); the same numbers on every architecture (the generic syscall table).
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION, LANDLOCK_RULE_PATH_BENEATH = 1, 1
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_CHANGES = sum(1 << bit for bit in range(4, 13))  # remove dir/file, make char/dir/reg/sock/fifo/block/sym
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV  # all a rule on a file may hold
NET_TCP = 0b11  # bind and connect: handled and never allowed, so denied
SCOPES = 0b11  # abstract unix sockets and signals: only within the job's own processes
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
WRITABLE = ("/tmp", "/var/tmp", "/dev/shm")  # hidden folders a job may also write to (its own fresh copies)

IPC_RMID = 0
IPC_OWNER_COLUMN = {"shm": 7, "sem": 4, "msg": 7}  # the uid column of /proc/sysvipc/<kind>

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _check(result: int, what: str) -> int:
    if result < 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")
    return result


def confine(config: dict, workdir: str) -> None:
    """Confine this process (a freshly forked worker) and give it `workdir`, a new empty folder."""
    if not sys.platform.startswith("linux"):  # macOS: process limits only, and nothing here applies
        os.makedirs(workdir, mode=0o700)
        return
    dumpable()  # to write its own /proc/self files (a user namespace's maps)
    size = int(config.get("size", 256 << 20))
    uid = config.get("uid")
    bubblewrap = config.get("mode") == "bubblewrap"
    if config.get("namespaces"):
        if bubblewrap or os.geteuid() != 0:
            own_user_namespace()
        unshare(CLONE_NEWNS | CLONE_NEWIPC | (0 if bubblewrap else CLONE_NEWNET))  # bwrap has no network already
        private_mounts()
        for folder in config.get("hide", ()):
            if os.path.isdir(folder) and not os.path.islink(folder):
                fresh_folder(folder, size, tuple(config.get("keep", ())), uid)
        if bubblewrap:
            read_only("/dev")  # bwrap's /dev is writable; its device nodes are mounts of their own and stay usable
        elif uid is not None:
            processes_of_others_hidden()
    os.makedirs(workdir, mode=0o700)
    if config.get("namespaces") and not bubblewrap:
        fresh_folder(workdir, size, uid=uid)  # not on the host's disk, gone with the job
    elif uid is not None:
        os.chown(workdir, uid, uid)
    if uid is not None:
        switch_user(uid)
        dumpable()  # again: changing user made it not dumpable
    else:
        drop_capabilities()
    no_new_privileges()
    if config.get("landlock"):
        private = [folder for folder in config.get("hide", ()) if config.get("namespaces") and folder in WRITABLE]
        landlock(list(config.get("read", ())) + ["/proc"], [workdir, *private, *DEVICES], int(config["landlock"]))


# --- namespaces and mounts -------------------------------------------------------------------------

def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def own_user_namespace() -> None:
    """A new user namespace in which this process keeps its uid and gid (and holds every capability)."""
    uid, gid = os.getuid(), os.getgid()
    unshare(CLONE_NEWUSER)
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


def _mount(source: str, target: str, kind: str | None, flags: int, options: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), kind.encode() if kind else None, flags,
                       options.encode() if options else None), f"mount {target}")


def private_mounts() -> None:
    """Mounts made from now on stay in this mount namespace."""
    _mount("none", "/", None, MS_REC | MS_PRIVATE)


def fresh_folder(path: str, size: int, keep: tuple[str, ...] = (), uid: int | None = None) -> None:
    """An empty private tmpfs of `size` bytes on path, which still shows the `keep` paths below it
    (a Python installation under /tmp, say) as they were, read-only."""
    below = path.rstrip("/") + "/"
    kept = [(inside, os.open(inside, os.O_PATH | os.O_CLOEXEC)) for inside in keep
            if inside.startswith(below) and os.path.exists(inside)]
    owner = f",uid={uid},gid={uid}" if uid is not None else ""
    _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},nr_inodes=65536,mode=0700{owner}")
    for inside, fd in kept:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            os.makedirs(inside, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(inside), exist_ok=True)
            open(inside, "a").close()
        _mount(f"/proc/self/fd/{fd}", inside, None, MS_BIND | MS_REC)
        _mount("none", inside, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(fd)
        folder = os.path.dirname(inside)
        while folder.startswith(below):  # traversable by the job's user, up to what is kept
            os.chmod(folder, 0o755)
            folder = os.path.dirname(folder)
    if kept:
        os.chmod(path, 0o755)


def read_only(path: str) -> None:
    """Remount path read-only (its submounts keep their own flags)."""
    _mount("none", path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def processes_of_others_hidden() -> None:
    """A new /proc that shows a user only their own processes (hidepid=2); needs real root. Before Linux
    5.8 every /proc of a PID namespace shared its options, so this would hide them on the whole machine."""
    release = tuple(int(part) for part in os.uname().release.split("-")[0].split(".")[:2] if part.isdigit())
    if release < (5, 8):
        raise OSError(f"Linux {os.uname().release} cannot give a /proc of its own to one process")
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")


# --- privileges -----------------------------------------------------------------------------------

def switch_user(uid: int) -> None:
    """Become uid (and the group of the same number) for good: root's capabilities go with it."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def drop_capabilities() -> None:
    """No capability left, now or after an execve (root's, or all of them in a new user namespace)."""
    for capability in range(LAST_CAPABILITY + 1):
        _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)  # fails for unknown ones: nothing to drop
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = ctypes.create_string_buffer(struct.pack("Ii", 0x20080522, 0))  # version 3, this process
    _check(_libc.capset(header, ctypes.create_string_buffer(24)), "capset")  # all sets empty


def dumpable() -> None:
    """Dumpable again (its zygote is not), so that it can write its own /proc/self files and its
    processes see it, and it them, in a /proc that shows each user only what they may trace (hidepid)."""
    _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")


def no_new_privileges() -> None:
    """setuid programs and file capabilities give nothing to this process or its children."""
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


# --- Landlock -------------------------------------------------------------------------------------

def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers (0: none)."""
    version = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                            ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def landlock(read: list[str], write: list[str], abi: int) -> None:
    """From now on this process and its children read and execute only below `read`, change files only
    below `write`, bind or connect no TCP socket (ABI 4), and reach no abstract unix socket and signal no
    process outside their own (ABI 6). Needs no_new_privileges() first."""
    fs = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_READ_DIR | FS_CHANGES
    fs |= (FS_REFER if abi >= 2 else 0) | (FS_TRUNCATE if abi >= 3 else 0) | (FS_IOCTL_DEV if abi >= 5 else 0)
    attr = struct.pack("QQQ", fs, NET_TCP if abi >= 4 else 0, SCOPES if abi >= 6 else 0)
    attr = attr[: 8 if abi < 4 else 16 if abi < 6 else 24]  # the struct as this ABI knows it
    ruleset = _check(_libc.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.c_char_p(attr), ctypes.c_size_t(len(attr)),
                                   ctypes.c_uint32(0)), "landlock_create_ruleset")
    try:
        for paths, rights in ((read, FS_EXECUTE | FS_READ_FILE | FS_READ_DIR), (write, fs)):
            for path in paths:
                _allow(ruleset, path, rights)
        _check(_libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)), "landlock_restrict_self")
    finally:
        os.close(ruleset)


def _allow(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not on this machine: nothing to allow
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= FILE_RIGHTS
        rule = struct.pack("=Qi", rights, fd)  # struct landlock_path_beneath_attr is packed
        _check(_libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, ctypes.c_char_p(rule),
                             ctypes.c_uint32(0)), f"landlock_add_rule {path}")
    finally:
        os.close(fd)


# --- what a job leaves behind ---------------------------------------------------------------------

def remove_ipc(uid: int | None = None) -> int:
    """Remove the System V shared memory, semaphores and message queues of this IPC namespace
    (only uid's, when given); the number removed."""
    removed = 0
    for kind, control in (("shm", _libc.shmctl), ("sem", _libc.semctl), ("msg", _libc.msgctl)):
        try:
            with open(f"/proc/sysvipc/{kind}") as table:
                rows = [row.split() for row in table.read().splitlines()[1:]]
        except OSError:
            continue
        for row in rows:
            ident, owner = int(row[1]), int(row[IPC_OWNER_COLUMN[kind]])
            if uid is None or owner == uid:
                arguments = (ident, 0, IPC_RMID) if kind == "sem" else (ident, IPC_RMID, None)
                removed += control(*arguments) == 0
    return removed


def remove_owned(uid: int, folder: str, remove) -> None:
    """remove(path) for every entry of folder that uid owns, and below every entry uid may write to
    (a world-writable folder of someone else's)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if info.st_uid == uid:
            remove(entry.path)
        elif stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_IWOTH:
            remove_owned(uid, entry.path, remove)


def kill_user(uid: int, reap) -> None:
    """SIGKILL every process of uid, from a child that becomes uid (its kill(-1) reaches only those),
    calling reap() to collect those that were this process's children, until none is left."""
    for _ in range(200):
        pid = os.fork()
        if pid == 0:
            try:
                switch_user(uid)
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
            os._exit(0)
        os.waitpid(pid, 0)
        reap()
        if not any(owner(entry) == uid for entry in os.listdir("/proc") if entry.isdigit()):
            return
        time.sleep(0.005)


def owner(pid: str) -> int | None:
    """The real uid of a process (not the owner of its /proc folder: root's for one that is not dumpable)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


# --- the probe ------------------------------------------------------------------------------------

def probe(root: str, candidates: list[dict]) -> dict:
    """Confine a child with each candidate config in turn, until one works (a fresh import and a file
    written in its folder included): {"tried": [{"ok": bool, "why": str}, ...]}."""
    tried = []
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # as the zygote, whose workers these children stand for
    for config in candidates:
        answer = _try(config, os.path.join(root, "probe"))
        tried.append(answer)
        if answer["ok"]:
            break
    return {"tried": tried}


def _try(config: dict, workdir: str) -> dict:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            confine(config, workdir)
            os.chdir(workdir)
            with open("confine_probe.py", "w") as handle:
                handle.write("ANSWER = 42\n")
            sys.path.insert(0, workdir)
            import csv  # noqa: F401  (not imported yet: the installation is readable)
            from confine_probe import ANSWER  # noqa: F401

            answer = {"ok": True}
        except BaseException as exc:  # any failure: this candidate does not work here
            answer = {"ok": False, "why": f"{type(exc).__name__}: {exc}"[:300]}
        os.write(write, json.dumps(answer).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    remove_tree(workdir)
    return json.loads(text) if text else {"ok": False, "why": "the probe died"}


if __name__ == "__main__" and sys.argv[1:2] == ["--probe"]:
    arguments = json.loads(sys.argv[2])
    print(json.dumps(probe(arguments["root"], arguments["candidates"])))
