"""`grader bulk` usage errors: one line, exit 2, nothing graded."""
import argparse

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
    one_student(tmp_path / "class")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "gradebook.sqlite").write_text("not a database" * 100)
    assert main(["bulk", str(tmp_path / "class"), "--out", str(tmp_path / "out")]) == 2
    assert "not a usable gradebook" in capsys.readouterr().err


def one_student(folder):
    (folder / "ana").mkdir(parents=True)
    (folder / "ana" / "iris_net.py").write_text("x = 1\n")


@pytest.mark.parametrize("layout, args, message", [
    # One student's own folder (its exercises/ is no student): pass its parent, or grade it with grader check.
    ({"exercises/iris_net.py": "x = 1\n", "data/iris.csv": ""}, [], "is one student's submission, not a class: it "
                                                                    "holds exercises/iris_net.py; pass the folder"),
    ({}, [], "holds no student submission (one folder or .zip per student, named by the student id); it holds nothing"),
    ({"notes.txt": ""}, [], "holds no student submission"),
    ({"ana/iris_net.py": "x = 1\n"}, ["--exercise", "iris-net"], "no exercise iris-net (did you mean iris_net?); "
                                                                  "exercises: "),
    ({"ana/iris_net.py": "x = 1\n", "anna/iris_net.py": ""}, ["--student", "anaa"],
     "no student anaa in {root} (did you mean ana or anna?)"),
    # Regrading a part needs the whole class graded once: otherwise the outputs would hold that part alone.
    ({"ana/iris_net.py": "x = 1\n"}, ["--student", "ana"], "run `grader bulk SUBMISSIONS --out DIR` once without them"),
])
def test_a_class_folder_or_selection_that_cannot_be_graded_is_a_usage_error(tmp_path, capsys, layout, args, message):
    root = tmp_path / "class"
    root.mkdir()
    for name, text in layout.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    code = main(["bulk", str(root), "--out", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("grader: error:") and len(err.strip().splitlines()) == 1, err
    assert message.replace("{root}", str(root)) in err
    assert not (tmp_path / "o").exists()


def test_help_states_every_default_and_the_exit_codes(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["bulk", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    from grader.bulk import command

    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    [bulk] = parser._subparsers._group_actions[0].choices.values()
    for action in bulk._actions:
        if action.dest != "help":
            assert action.help and ("default:" in action.help or "required" in action.help), action.dest
    assert "exit status:" in text and all(f"\n  {code} " in text for code in ("0", "2", "130"))
    assert "--student ID" in text and "--exercise NAME" in text


def test_a_regrade_of_what_the_student_did_not_hand_in_is_a_usage_error(tmp_path, capsys):
    from grader.bulk.gradebook import Gradebook, Key
    from grader.bulk.run import Selection

    one_student(tmp_path / "class")
    with Gradebook(tmp_path / "out" / "gradebook.sqlite") as book:  # the class graded once before
        book.replace_current([book.record(Key("ana", "iris_net", "h", "v"), "ana/iris_net.py", "t",
                                          error=("timeout", "slow"))], Selection())
    code = main(["bulk", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--student", "ana",
                 "--exercise", "pass_fail"])
    err = capsys.readouterr().err
    assert code == 2 and err == "grader: error: nothing to regrade: ana handed in no pass_fail (ana handed in iris_net)\n"
    assert not (tmp_path / "out" / "grades.csv").exists()
