"""No network from the sandbox, not even loopback (the guard's listener must see nothing)."""
from tests.harness import reference_with
from tests.sandbox.conftest import error, grade, requires_bubblewrap

pytestmark = requires_bubblewrap


def test_connecting_to_a_local_port_fails(bubblewrap, tmp_path, guard):
    source = ("import socket\n\ndef split_data(X, y):\n"
              f"    socket.create_connection(('127.0.0.1', {guard.port}), timeout=3)\n")
    failure = error(grade(bubblewrap, tmp_path, source), "split_data")
    assert failure["kind"] == "exception" and "ConnectionRefusedError" in failure["message"]


def test_phoning_home_at_import_reaches_nothing(bubblewrap, tmp_path, guard):
    probe = f'''
import socket, urllib.request
results = []
for name, attempt in [
    ("loopback", lambda: socket.create_connection(("127.0.0.1", {guard.port}), timeout=3)),
    ("ipv6 loopback", lambda: socket.create_connection(("::1", {guard.port}), timeout=3)),
    ("dns", lambda: socket.getaddrinfo("pypi.org", 443)),
    ("http", lambda: urllib.request.urlopen("http://pypi.org", timeout=3)),
]:
    try:
        attempt()
        results.append(name + ": reached")
    except OSError as exc:
        results.append(name + ": blocked")
print(results)
'''
    exercise = grade(bubblewrap, tmp_path, probe + reference_with())
    assert exercise["score"] == 100
    assert "reached" not in exercise["output"] and exercise["output"].count("blocked") == 4
