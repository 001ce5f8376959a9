"""`--data` arguments: NAME=PATH, directories, and the mistakes people make with them."""
from __future__ import annotations

import os

import pytest

from compliance.inputs import InputError, bind_data


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "exports"
    d.mkdir()
    for name in ["tickets.csv", "calls.jsonl", "shifts.XLSX", "README.md", "tickets (1).csv", ".hidden.csv"]:
        (d / name).write_text("x", encoding="utf-8")
    (d / "sub.csv").mkdir()
    return str(d)


def test_directory_binds_dataset_like_files(data_dir):
    assert bind_data([data_dir]) == {
        "calls": os.path.join(data_dir, "calls.jsonl"),
        "shifts": os.path.join(data_dir, "shifts.XLSX"),
        "tickets": os.path.join(data_dir, "tickets.csv"),
    }


def test_name_equals_path_with_sheet(data_dir):
    book = os.path.join(data_dir, "shifts.XLSX")
    assert bind_data([f"shifts={book}#排班", f"agents={data_dir}/tickets.csv"]) == {
        "shifts": f"{book}#排班",
        "agents": f"{data_dir}/tickets.csv",
    }


def test_bare_file_binds_by_stem(data_dir):
    path = os.path.join(data_dir, "calls.jsonl")
    assert bind_data([path]) == {"calls": path}


@pytest.mark.parametrize("make_args, message", [
    (lambda d: [d, f"tickets={d}/calls.jsonl"], "dataset 'tickets' is bound twice"),
    (lambda d: [f"calls={d}/tickets.csv", f"calls={d}/calls.jsonl"], "dataset 'calls' is bound twice"),
    (lambda d: [f"tickets={d}/missing.csv"], "missing.csv: file not found"),
    (lambda d: [f"tickets={d}/README.md"], "unsupported file type '.md'"),
    (lambda d: [f"tickets={d}/tickets.csv#S1"], "applies only to .xlsx"),
    (lambda d: [f"2x={d}/tickets.csv"], "'2x' is not a dataset name"),
    (lambda d: ["tickets="], "missing path after '='"),
    (lambda d: [f"{d}/nothing-here"], "not found \\(expected NAME=PATH or a directory\\)"),
    (lambda d: [f"{d}/tickets (1).csv"], "cannot name a dataset after 'tickets \\(1\\)'"),
])
def test_bad_arguments(data_dir, make_args, message):
    with pytest.raises(InputError, match=message):
        bind_data(make_args(data_dir))


def test_two_files_for_one_dataset_in_a_directory(data_dir):
    open(os.path.join(data_dir, "tickets.json"), "w").close()
    with pytest.raises(InputError, match="two files for dataset 'tickets'"):
        bind_data([data_dir])


def test_directory_without_data_files(tmp_path):
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="no data files"):
        bind_data([str(tmp_path)])
