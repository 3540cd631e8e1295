"""The warm server inside the sandbox: imports TensorFlow once, then forks one worker per job.

Usage: python -I zygote.py CONTROL_FD SCRATCH [--preload] [--private-tmp]

The control socket (SOCK_SEQPACKET) carries JSON messages from the grader:
{"job": NAME, "limits": {...}} with two descriptors attached (the worker's event pipe
and its output pipe), and {"kill": NAME}. A job runs in SCRATCH/NAME, where the grader
has written the submission and request.json. When the worker ends, every process it
started is killed and its directory removed before {"event": "done"} goes back, so the
next job starts clean. Student code runs only in the forked workers; nothing here
decides a grade.
"""
import ctypes
import json
import os
import resource
import select
import shutil
import signal
import socket
import stat
import sys
import tempfile

PR_SET_DUMPABLE = 4  # 0: workers (same uid) may not ptrace or read the memory of this process
PR_SET_CHILD_SUBREAPER = 36  # orphans of a worker come back here, so they can be found and killed
LIMITS = {"memory_bytes": "RLIMIT_AS", "cpu_seconds": "RLIMIT_CPU", "file_bytes": "RLIMIT_FSIZE",
          "processes": "RLIMIT_NPROC"}


def main():
    control = socket.socket(fileno=int(sys.argv[1]))
    scratch, flags = sys.argv[2], sys.argv[3:]
    error = _preload() if "--preload" in flags else None
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import child  # noqa: F401  (warm for every worker)

    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    mounts = _mount_points()
    _send(control, {"event": "ready", "error": error})
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 1 << 16, 2)
        except OSError:
            return
        if not data:
            return
        message = json.loads(data)
        if "job" not in message or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            continue
        job = os.path.basename(message["job"])
        status = _run(control, os.path.join(scratch, job), message.get("limits", {}), fds)
        if "--private-tmp" in flags:
            _empty("/tmp", mounts)
        _send(control, {"event": "done", "job": job, **status})


def _preload():
    try:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    except BaseException as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _run(control, job_dir, limits, fds):
    events_fd, output_fd = fds
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(events_fd)
        os.close(output_fd)
        return {"error": f"could not start a worker: {exc}"}
    if pid == 0:
        _worker(control, job_dir, limits, events_fd, output_fd)
    os.close(events_fd)
    os.close(output_fd)
    status = _wait(control, pid)
    _kill_descendants(pid)
    shutil.rmtree(job_dir, onerror=_force_remove)
    return status


def _worker(control, job_dir, limits, events_fd, output_fd):
    try:
        control.close()
        os.setsid()
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.close(output_fd)
        os.environ.update(HOME=job_dir, TMPDIR=job_dir)
        tempfile.tempdir = None
        os.chdir(job_dir)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        for key, name in LIMITS.items():
            if limits.get(key):
                # For CPU time the soft limit sends SIGXCPU (reported as a timeout); the hard one kills.
                hard = limits[key] + 5 if key == "cpu_seconds" else limits[key]
                resource.setrlimit(getattr(resource, name), (limits[key], hard))
        _prctl(PR_SET_CHILD_SUBREAPER, 1)  # so processes a call leaves behind can be found and killed
        import child

        child.run_job(job_dir, events_fd, after_call=_kill_all_descendants)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(0)


def _wait(control, pid):
    """Wait for the worker, killing it if the grader says so; the grader gone means stop."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            if os.WIFSIGNALED(status):
                return {"signal": os.WTERMSIG(status)}
            return {"exit": os.waitstatus_to_exitcode(status)}
        if not select.select([control], [], [], 0.01)[0]:
            continue
        data = control.recv(1 << 16)
        if not data:
            _kill_descendants(pid)
            os._exit(0)
        if "kill" in json.loads(data):
            _kill_group(pid)


def _kill_descendants(worker):
    """Kill the worker's process group, then anything else it left running."""
    _kill_group(worker)
    _kill_all_descendants()


def _kill_all_descendants():
    """Kill every process below this one (without /proc: nothing to find).

    Stopped first, so a fork bomb cannot refill each slot a kill frees: once a round finds
    no process it had not stopped yet, the whole tree is frozen and dies at once.
    """
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
        _reap()


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


def _force_remove(function, path, _exc_info):
    """Student code may have made its files read-only; make them writable and try again."""
    try:
        os.chmod(os.path.dirname(path), stat.S_IRWXU)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, stat.S_IRWXU)
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def _empty(folder, mounts):
    """Remove everything in folder except mount points (the Python installation may sit in /tmp)."""
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if path in mounts:
            continue
        if any(mount.startswith(path + os.sep) for mount in mounts):
            _empty(path, mounts)
        elif os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, onerror=_force_remove)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


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
