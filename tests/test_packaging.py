"""The build files agree with each other: one set of pins, one Python version, torch
2.13.0 (CPU) everywhere, and ``import course_lib`` stays light (no torch)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from course_lib.paths import REPO_ROOT

TORCH = "2.13.0"
PYTHON = "3.11"


def _pyproject():
    with (REPO_ROOT / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)


def _pins(lines, where) -> dict[str, str]:
    """``{canonical name: version}`` for requirement strings; each must be ``name==X``."""
    pins = {}
    for line in lines:
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", (
            f"{where}: {line!r} is not pinned to one exact version (name==X.Y.Z)")
        name = canonicalize_name(req.name)
        assert name not in pins, f"{where}: {req.name} is listed twice"
        pins[name] = specs[0].version
    return pins


def _direct_pins() -> dict[str, str]:
    """pyproject.toml's runtime dependencies plus the ``test`` extra (what environment.yml
    installs)."""
    project = _pyproject()["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["test"]
    return _pins(lines, "pyproject.toml")


def _all_pyproject_pins() -> dict[str, str]:
    project = _pyproject()["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return _pins(lines, "pyproject.toml")


def _environment_yml():
    with (REPO_ROOT / "environment.yml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _environment_pip_pins() -> dict[str, str]:
    pip_sections = [d["pip"] for d in _environment_yml()["dependencies"] if isinstance(d, dict)]
    assert len(pip_sections) == 1, "environment.yml must have one pip: section"
    # options (-c constraints.txt, -e .) are not requirements
    lines = [ln for ln in pip_sections[0] if not ln.startswith("-")]
    return _pins(lines, "environment.yml")


def _constraints() -> dict[str, str]:
    lines = (REPO_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    lines = [ln.split("#")[0].strip() for ln in lines]
    return _pins([ln for ln in lines if ln], "constraints.txt")


def test_environment_yml_pip_pins_equal_pyproject_pins():
    assert _environment_pip_pins() == _direct_pins()


def test_environment_yml_installs_the_package_under_the_constraints():
    pip = next(d["pip"] for d in _environment_yml()["dependencies"] if isinstance(d, dict))
    assert "-c constraints.txt" in pip
    assert any(re.fullmatch(r"-e \.(\[[a-z,]+\])?", ln) for ln in pip), pip


def test_python_version_agrees():
    conda = [d for d in _environment_yml()["dependencies"]
             if isinstance(d, str) and re.match(r"python\b", d)]
    assert conda == [f"python={PYTHON}"]
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert PYTHON in requires and "3.10" not in requires
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in requires


def test_every_direct_pin_is_in_constraints():
    constraints = _constraints()
    direct = _all_pyproject_pins()
    differ = {name: (version, constraints.get(name)) for name, version in direct.items()
              if constraints.get(name) != version}
    assert differ == {}, f"pyproject pin vs constraints.txt: {differ}"


def test_torch_is_pinned_to_the_cpu_build_everywhere():
    assert _direct_pins()["torch"] == TORCH
    assert _environment_pip_pins()["torch"] == TORCH
    assert _constraints()["torch"] == TORCH
    installed = Version(metadata.version("torch"))
    assert installed.base_version == TORCH, f"installed torch is {installed}"
    assert installed.local in (None, "cpu"), f"installed torch is not the CPU build: {installed}"
    cuda_deps = [r for r in metadata.requires("torch") or []
                 if canonicalize_name(Requirement(r).name).startswith("nvidia")]
    assert cuda_deps == [], f"installed torch pulls CUDA packages: {cuda_deps}"


def test_import_course_lib_does_not_import_torch():
    code = "import course_lib, sys; print('torch' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSTARTUP"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


def test_ci_runs_make_test():
    path = REPO_ROOT / ".ci" / "run"
    assert os.access(path, os.X_OK), ".ci/run must be executable"
    code = [ln.split("#")[0].strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    assert "make test" in code, ".ci/run must call `make test`"


def test_makefile_has_the_documented_targets():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    missing = {"lab", "test", "grade", "exercises", "bench"} - targets
    assert missing == set(), f"Makefile lacks targets {sorted(missing)}"
    assert re.search(r"^bench:.*\n\t.*-m course_lib\.bench", makefile, flags=re.M)


def test_readme_gives_the_two_commands():
    readme = REPO_ROOT / "README.md"
    assert readme.is_file(), "README.md is missing"
    text = readme.read_text(encoding="utf-8")
    for command in ("make lab", "make test"):
        assert command in text, f"README.md does not mention `{command}`"


@pytest.mark.parametrize("bad, message", [
    ("numpy>=2.0", "not pinned"),
    ("numpy", "not pinned"),
    ("numpy==2.4.6,<3", "not pinned"),
])
def test_pin_parser_rejects_unpinned_requirements(bad, message):
    with pytest.raises(AssertionError, match=message):
        _pins([bad], "x")


def test_binder_requirements_take_the_cpu_torch():
    """binder/requirements.txt (Binder, JupyterHub images) pins torch's CPU build: the
    "+cpu" local version matches only the CPU wheel (PEP 440), never the default index's
    2.13.0 (the CUDA build on Linux), and the installed CPU build satisfies it."""
    path = REPO_ROOT / "binder" / "requirements.txt"
    lines = [ln.split("#")[0].strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    lines = [ln for ln in lines if ln]
    (torch,) = [Requirement(ln) for ln in lines if re.match(r"torch\b", ln)]
    assert str(torch.specifier) == f"=={TORCH}+cpu"
    assert not torch.specifier.contains(Version(TORCH)), "the CUDA build would satisfy it"
    assert not torch.specifier.contains(Version(f"{TORCH}+cu128"))
    assert torch.specifier.contains(Version(metadata.version("torch")))
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    # the course's pins apply (-c is relative to the file), and the course is installed
    (constraint,) = [ln.split(None, 1)[1] for ln in lines if ln.startswith("-c ")]
    assert (path.parent / constraint).resolve() == REPO_ROOT / "constraints.txt"
    assert _constraints()["torch"] == TORCH          # 2.13.0+cpu satisfies ==2.13.0
    assert any(re.fullmatch(r"-e \.(\[[a-z,]+\])?", ln) for ln in lines)
