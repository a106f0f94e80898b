"""The repository holds only what the project wrote: no file of it is a copy of a public reference file,
which the tests read where it is provided (tests/reference_configs.py)."""

import hashlib
import shutil
import subprocess
from pathlib import Path

from tests.reference_configs import REPO, needs_reference, root


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copies_of_reference_files(files: list[Path]) -> list[str]:
    """'file = the reference file it copies', by content, for each of ``files`` that is a copy."""
    reference = {digest(path): path.relative_to(root()) for path in root().rglob("*") if path.is_file()}
    return [f"{path} = {reference[h]}" for path in files
            if path.is_file() and not path.is_symlink() and (h := digest(path)) in reference]


@needs_reference
def test_no_file_of_the_repository_is_a_copy_of_a_reference_file():
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    files = [REPO / name.decode() for name in tracked if name]
    assert len(files) > 100, "git ls-files listed too few files to be this repository"
    copies = copies_of_reference_files(files)
    assert not copies, "copies of public reference files (read them in place instead):\n" + "\n".join(copies)


@needs_reference
def test_a_copy_under_another_name_is_found(tmp_path):
    original = root() / "alertmanager-v0.25.0" / "doc" / "examples" / "simple.yml"
    shutil.copyfile(original, tmp_path / "renamed.yml")
    (tmp_path / "own.yml").write_text("route: {receiver: mine}\n")
    assert copies_of_reference_files([tmp_path / "renamed.yml", tmp_path / "own.yml"]) == [
        f"{tmp_path / 'renamed.yml'} = alertmanager-v0.25.0/doc/examples/simple.yml"]
