"""Packaging: locked dependencies with hashes used everywhere, safe minimum versions, the Debian packages the
README names, the image's media folder, and the CI step that builds the image."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

BASE_DIR = Path(settings.BASE_DIR)
PYPROJECT = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
RUNTIME = [Requirement(line) for line in PYPROJECT["project"]["dependencies"]]
DEV = [Requirement(line) for line in PYPROJECT["project"]["optional-dependencies"]["dev"]]
# name==version [; marker] \ then one or more "--hash=sha256:..." lines
LOCK_ENTRY = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)(?: ;[^\\\n]*)?((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})+)",
    re.M,
)


def _lock(name: str) -> dict[str, Version]:
    text = (BASE_DIR / name).read_text()
    entries = {canonicalize_name(m[1]): Version(m[2]) for m in LOCK_ENTRY.finditer(text)}
    pins = re.findall(r"^[A-Za-z0-9][^\s#]*==", text, re.M)
    assert len(pins) == len(entries), f"{name}: every pinned package carries its hashes"
    return entries


@pytest.mark.parametrize(
    ("lock_file", "requirements"), [("requirements.lock", RUNTIME), ("requirements-dev.lock", RUNTIME + DEV)]
)
def test_every_dependency_is_locked_with_hashes(lock_file, requirements):
    locked = _lock(lock_file)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is missing from {lock_file}: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{lock_file} has {name} {locked[name]}, pyproject.toml asks {requirement.specifier}: run `make lock`"
        )


def test_the_image_lock_keeps_the_dev_locks_versions():
    dev = _lock("requirements-dev.lock")
    for name, version in _lock("requirements.lock").items():
        assert dev.get(name) == version, name


def test_python_jose_is_past_cve_2024_33663_and_33664():
    (jose,) = [r for r in RUNTIME if r.name == "python-jose"]
    assert not jose.specifier.contains("3.3.0")
    assert _lock("requirements.lock")["python-jose"] >= Version("3.4")


def test_linters_are_pinned_exactly():
    (ruff,) = [r for r in DEV if r.name == "ruff"]
    assert re.fullmatch(r"==\d+\.\d+\.\d+", str(ruff.specifier))


def test_make_the_image_and_ci_install_from_the_locks():
    makefile = (BASE_DIR / "Makefile").read_text()
    venv_rule = re.search(r"^\$\(BIN\)/\.installed: (.*)\n((?:\t.*\n)+)", makefile, re.M)
    assert "requirements-dev.lock" in venv_rule[1].split()  # a new lock rebuilds the virtualenv
    assert "--require-hashes -r requirements-dev.lock" in venv_rule[2]
    assert "--no-deps -e ." in venv_rule[2]
    assert re.search(r"^lock:", makefile, re.M)
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "make venv" in (BASE_DIR / ".ci" / "run").read_text()


def _apt_packages(text: str) -> set[str]:
    return set(re.findall(r"\blib[a-z0-9.-]+[0-9]\b|\bgettext\b|\bfonts-[a-z-]+\b", text))


def test_readme_names_the_debian_packages_the_image_installs():
    readme = (BASE_DIR / "README.md").read_text()
    sentence = readme[readme.index("the Debian libraries") :].split(")", 1)[0]
    named = _apt_packages(sentence)
    image = _apt_packages((BASE_DIR / "Dockerfile").read_text())
    ci = _apt_packages((BASE_DIR / ".ci" / "run").read_text())
    assert "libharfbuzz-subset0" in named  # WeasyPrint subsets fonts with it
    assert named <= image <= ci
    assert (
        "libmagic1" not in named | image | ci
    )  # nothing uses it (uploads are sniffed by the filetype package)


def test_the_image_creates_the_media_folder_compose_mounts_for_its_user():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    mount = re.search(r"^\s+- media:(\S+)$", compose, re.M)[1]
    run = dockerfile[dockerfile.index("RUN useradd") :].split("\n\n")[0]
    assert re.search(rf"mkdir -p [^&]*{re.escape(mount)}\b", run)
    assert run.index(f"{mount}") < run.index("chown -R eservice /app/var")
    assert re.search(r"^USER eservice$", dockerfile, re.M)


def test_ci_image_build_says_why_it_is_skipped_without_a_docker_engine(tmp_path):
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    result = subprocess.run(
        [str(BASE_DIR / ".ci" / "docker-image")], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "docker compose build skipped: no Docker engine here" in result.stdout
    assert ".ci/docker-image" in (BASE_DIR / ".ci" / "run").read_text()
