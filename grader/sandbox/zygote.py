"""The warm server inside the sandbox: imports TensorFlow once, then forks one worker per job.

Usage: python -I zygote.py CONTROL_FD CONFIG_JSON   (CONFIG: {"root", "preload", "confine"})

The control socket (SOCK_SEQPACKET) carries JSON messages from the grader: a job,
{"job": NAME, "limits": {...}}, with three descriptors attached (the worker's event pipe, its
output pipe, and a sealed memory file holding the request: the submission's name and text, the
calls, the constants to read), and {"kill": NAME}. The worker confines itself (confine.py: fresh
namespaces and private folders, or another user, Landlock) before it writes the submission into
its own new folder ROOT/NAME and imports it. When the worker ends, every process it started is
killed and whatever it may have left is removed before {"event": "done"} goes back, so the next
job starts from a state no earlier job wrote. Student code runs only in the forked workers;
nothing here decides a grade.
"""
import ctypes
import json
import os
import resource
import select
import signal
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import confine  # noqa: E402  (standalone, like child and wire)
import protocol  # noqa: E402
from removal import remove_tree  # noqa: E402

PR_SET_DUMPABLE = 4  # 0: workers (same uid) may not ptrace or read the memory of this process
PR_SET_CHILD_SUBREAPER = 36  # orphans of a worker come back here, so they can be found and killed
LIMITS = {"memory_bytes": "RLIMIT_AS", "cpu_seconds": "RLIMIT_CPU", "file_bytes": "RLIMIT_FSIZE",
          "processes": "RLIMIT_NPROC"}
MAX_REQUEST_BYTES = 64 * 1024 * 1024
SHARED = ("/tmp", "/var/tmp", "/dev/shm")  # where another user may write, outside the sandbox


def main():
    control = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sys.argv[2])
    error = _preload() if config.get("preload") else None
    import child  # noqa: F401  (warm for every worker)

    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    mounts = _mount_points()
    devices = set(os.listdir("/dev")) if os.path.isdir("/dev") else set()
    _sweep(config, "", mounts, devices)  # what importing TensorFlow left (keras's /tmp/.keras): every job sees the same
    _send(control, {"event": protocol.READY, "error": error})
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 1 << 16, 3)
        except OSError:
            return
        if not data:
            return
        try:
            message = json.loads(data)
            name = str(message["job"])
            valid = len(fds) == 3 and name.isalnum()
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:  # only the grader writes here: nothing to answer
            for fd in fds:
                os.close(fd)
            continue
        status = _run(control, config, name, message.get("limits", {}), fds)
        _sweep(config, name, mounts, devices)
        _send(control, {"event": protocol.DONE, "job": name, **status})


def _preload():
    try:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    except BaseException as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _run(control, config, name, limits, fds):
    sys.stdout.flush()
    sys.stderr.flush()
    alive, workers_end = socket.socketpair()  # the worker asks here, before each event, whether we still run
    try:
        pid = os.fork()
    except OSError as exc:
        for fd in fds:
            os.close(fd)
        alive.close()
        workers_end.close()
        return {"error": f"could not start a worker: {exc}"}
    if pid == 0:
        alive.close()
        _worker(control, config, name, limits, fds, workers_end)
    workers_end.close()
    for fd in fds:
        os.close(fd)
    try:
        status = _wait(control, pid, name, alive)
    finally:
        alive.close()
    _kill_descendants(pid, config)
    return status


def _worker(control, config, name, limits, fds, alive):
    events_fd, output_fd, request_fd = fds
    try:
        control.close()
        os.setsid()
        request = json.loads(_read_all(request_fd))
        os.close(request_fd)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.close(output_fd)
        workdir = os.path.join(config["root"], name)
        settings = dict(config.get("confine", {}), size=limits.get("scratch_bytes") or 256 << 20)
        try:
            confine.confine(settings, workdir)
        except OSError as exc:  # never run student code less confined than the report says
            os.write(events_fd, (json.dumps({"event": protocol.CONFINE_FAILED, "message": str(exc)}) + "\n").encode())
            os._exit(0)
        path = os.path.join(workdir, os.path.basename(request["submission"]))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(request["source"])
        os.environ.update(HOME=workdir, TMPDIR=workdir)
        tempfile.tempdir = None
        os.chdir(workdir)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        for key, limit in LIMITS.items():
            if limits.get(key):
                # For CPU time the soft limit sends SIGXCPU (reported as a timeout); the hard one kills.
                hard = limits[key] + 5 if key == "cpu_seconds" else limits[key]
                resource.setrlimit(getattr(resource, limit), (limits[key], hard))
        _prctl(PR_SET_CHILD_SUBREAPER, 1)  # so processes a call leaves behind can be found and killed
        import child

        child.run_job(request, path, events_fd, after_call=_kill_all_descendants, alive=alive)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(0)


def _read_all(fd):
    """The whole request (a memory file the grader wrote and sealed), from its start."""
    chunks, offset = [], 0
    while offset < MAX_REQUEST_BYTES:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _wait(control, pid, name, alive):
    """Wait for the worker, killing it if the grader says so, and answering each of its questions on `alive`
    (child.run_job asks before every event); the grader gone means stop."""
    asking = [alive]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            if os.WIFSIGNALED(status):
                return {"signal": os.WTERMSIG(status)}
            return {"exit": os.waitstatus_to_exitcode(status)}
        ready = select.select([control, *asking], [], [], 0.01)[0]
        if alive in ready:
            _answer(alive, asking)
        if control not in ready:
            continue
        data, fds, _, _ = socket.recv_fds(control, 1 << 16, 3)
        for fd in fds:  # a job sent before this one is done: the grader is out of step, and restarts us
            os.close(fd)
        if not data:
            _kill_descendants(pid, {})
            os._exit(0)
        try:
            message = json.loads(data)
        except ValueError:
            continue
        if message.get("kill") == name:
            _kill_group(pid)


def _answer(alive, asking):
    """Echo what the worker asked (whatever a student's code writes there is only echoed back to it); stop
    listening once it closed its end."""
    try:
        question = alive.recv(4096, socket.MSG_DONTWAIT)
        if question:
            alive.send(question, socket.MSG_DONTWAIT)
            return
    except BlockingIOError:
        return
    except OSError:
        pass
    asking.clear()


def _kill_descendants(worker, config):
    """Kill the worker's process group, then anything else it left running."""
    _kill_group(worker)
    _kill_all_descendants()
    uid = config.get("confine", {}).get("uid")
    if uid is not None:
        confine.kill_user(uid, _reap)  # the job's own user: whatever it started, wherever it went


def _kill_all_descendants():
    """Kill every process below this one (without /proc: nothing to find), and wait until they are gone,
    so that none still counts against the job's process limit when its next call starts.

    Stopped first, so a fork bomb cannot refill each slot a kill frees: once a round finds
    no process it had not stopped yet, the whole tree is frozen and dies at once.
    """
    _reap()  # the zombies it is the reaper of, seen in /proc or not
    if not os.path.isdir("/proc"):
        return
    for _ in range(100):
        stopped = set()
        while True:
            found = _descendants() - stopped
            if not found:
                break
            for pid in found:
                _signal(pid, signal.SIGSTOP)
            stopped |= found
        if not stopped:
            return
        for pid in stopped:
            _signal(pid, signal.SIGKILL)
        _reap_until_gone(stopped)


def _reap_until_gone(pids, seconds=5.0):
    """Reap (as their subreaper) until none of pids is left, even as a zombie, for at most seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _reap()
        if not any(os.path.exists(f"/proc/{pid}") for pid in pids):
            return
        time.sleep(0.005)


def _sweep(config, name, mounts, devices):
    """Remove whatever the job could have left where the next one could see it. With fresh namespaces
    per job there is nothing: its folders and System V objects died with its processes. Without them
    this is what keeps jobs apart: everything in the sandbox's own writable places (bubblewrap), or
    whatever belongs to the job's own user (process limits as root)."""
    settings = config.get("confine", {})
    workdir = os.path.join(config["root"], name)
    if name:
        remove_tree(workdir)
    if settings.get("namespaces"):
        return
    uid = settings.get("uid")
    if settings.get("mode") == "bubblewrap":
        confine.remove_ipc()  # the sandbox's own IPC namespace: every object in it is a job's
        for folder in (config["root"], "/tmp", "/dev/shm"):
            _empty(folder, mounts)
        for entry in set(os.listdir("/dev")) - devices:
            remove_tree(os.path.join("/dev", entry))
    elif uid is not None:
        confine.remove_ipc(uid)
        if not settings.get("landlock"):
            for folder in SHARED:
                confine.remove_owned(uid, folder, remove_tree)


def _signal(pid, number):
    try:
        os.kill(pid, number)
    except OSError:
        pass


def _descendants():
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found |= frontier
    return found


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _empty(folder, mounts):
    """Remove everything in folder except mount points (the Python installation may sit in /tmp)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        path = os.path.join(folder, name)
        if path in mounts:
            continue
        if any(mount.startswith(path + os.sep) for mount in mounts):
            _empty(path, mounts)
        else:
            remove_tree(path)


def _mount_points():
    if not os.path.exists("/proc/self/mountinfo"):
        return set()
    with open("/proc/self/mountinfo") as handle:
        return {line.split()[4] for line in handle}


def _prctl(option, value):
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _send(control, message):
    control.send(json.dumps(message).encode())


if __name__ == "__main__":
    main()
    # The grader closed the socket: no job is running, nothing is left to save. Skipping the
    # interpreter's teardown (TensorFlow's takes about a second) lets the grader exit at once.
    os._exit(0)
