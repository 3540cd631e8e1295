"""`grader bulk` usage errors: one line, exit 2, nothing graded."""
import pytest

from grader.cli import main


@pytest.mark.parametrize("args, message", [
    (["no/such/folder", "--out", "o"], "must be a folder"),
    (["{root}", "--out", "o", "--executor", "dask"], "needs --scheduler"),
    (["{root}", "--out", "o", "--scheduler", "tcp://x:1"], "only used with --executor dask"),
    (["{root}", "--out", "{root}/out"], "must not be inside SUBMISSIONS"),
    (["{root}", "--out", "o", "--timeout", "0"], "positive"),
])
def test_usage_errors(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "class").mkdir()
    code = main(["bulk", *[a.replace("{root}", str(tmp_path / "class")) for a in args]])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("grader: error:") and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_a_file_that_is_not_a_gradebook_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "class").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "gradebook.sqlite").write_text("not a database" * 100)
    assert main(["bulk", str(tmp_path / "class"), "--out", str(tmp_path / "out")]) == 2
    assert "not a usable gradebook" in capsys.readouterr().err
