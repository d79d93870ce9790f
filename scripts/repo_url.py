"""The public repository's URL: set once in pyproject.toml, copied everywhere it is needed.

    python scripts/repo_url.py set OWNER/NAME   # writes pyproject.toml, then applies it
    python scripts/repo_url.py check            # exit 1 if a notebook or README disagrees

The one place it lives is ``[project.urls] Repository`` in pyproject.toml. ``apply`` rewrites
from it the "Open in Colab" badges (README and notebooks) and the ``REPO_URL = ...`` line of each
notebook's Colab setup cell. Until it is set, badges point at the README's "Run in Colab" section.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
BADGE_IMG = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_RE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)(?: _\([^)]*\)_)?")
REPO_LINE_RE = re.compile(r'^REPO_URL = "[^"]*"', re.M)  # the Colab setup cell


def read_repo_url() -> str:
    """Return the repository URL from pyproject.toml, or "" while it is not decided."""
    urls = tomllib.loads(PYPROJECT.read_text())["project"].get("urls", {})
    return urls.get("Repository", "")


def badge(notebook: str, repo_url: str, from_notebook: bool) -> str:
    """Markdown of the "Open in Colab" badge for ``notebooks/<notebook>``."""
    if repo_url:
        path = repo_url.removeprefix("https://github.com/").removesuffix(".git")
        link = f"https://colab.research.google.com/github/{path}/blob/main/notebooks/{notebook}"
        return f"[![Open In Colab]({BADGE_IMG})]({link})"
    readme = "../README.md#run-in-colab" if from_notebook else "#run-in-colab"
    return f"[![Open In Colab]({BADGE_IMG})]({readme}) _(link pending: the repository URL is not set yet)_"


def render_text(text: str, name: str, repo_url: str) -> str:
    """Return notebook text (a cell, or a whole jupytext source) with its badge and REPO_URL line
    brought in line with ``repo_url``."""
    new = BADGE_RE.sub(lambda _: badge(name, repo_url, True), text)
    return REPO_LINE_RE.sub(f'REPO_URL = "{repo_url}"', new)


def render_notebook(nb: dict, name: str, repo_url: str) -> dict:
    """Return ``nb`` with its badge and REPO_URL line brought in line with ``repo_url``."""
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        new = render_text(text, name, repo_url)
        if new != text:
            cell["source"] = new.splitlines(keepends=True)
    return nb


def apply(repo_url: str | None = None, write: bool = True) -> list[Path]:
    """Bring every badge and setup cell in line with pyproject; return the files that differ."""
    repo_url = read_repo_url() if repo_url is None else repo_url
    stale = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        old = path.read_text()
        nb = render_notebook(json.loads(old), path.name, repo_url)
        new = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        if json.loads(new) != json.loads(old):
            stale.append(path)
            if write:
                path.write_text(new)
    for path in sorted((ROOT / "notebooks").glob("*.py")):  # the jupytext sources
        old = path.read_text()
        new = render_text(old, path.with_suffix(".ipynb").name, repo_url)
        if new != old:
            stale.append(path)
            if write:
                path.write_text(new)
    readme = ROOT / "README.md"
    if readme.is_file():
        old = readme.read_text()
        new = BADGE_RE.sub(lambda _: badge("01_mnist_cnn.ipynb", repo_url, False), old)
        if new != old:
            stale.append(readme)
            if write:
                readme.write_text(new)
    return stale


def set_repo_url(url: str) -> None:
    """Write ``url`` (``OWNER/NAME`` or a full https URL) into pyproject.toml and apply it."""
    if not re.fullmatch(r"(https://github\.com/)?[\w.-]+/[\w.-]+", url):
        sys.exit(f"error: {url!r} is not OWNER/NAME or https://github.com/OWNER/NAME")
    url = url if url.startswith("https://") else f"https://github.com/{url}"
    text = PYPROJECT.read_text()
    if "[project.urls]" in text:
        text = re.sub(r'(?m)^Repository = ".*"$', f'Repository = "{url}"', text)
    else:
        text = text.replace("\n[project.optional-dependencies]",
                            f'\n[project.urls]\nRepository = "{url}"\n\n[project.optional-dependencies]')
    PYPROJECT.write_text(text)
    for path in apply(url):
        print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "set":
        set_repo_url(sys.argv[2])
    elif sys.argv[1:] == ["check"]:
        stale = apply(write=False)
        for path in stale:
            print(f"{path.relative_to(ROOT)} disagrees with pyproject.toml; run "
                  "`python scripts/repo_url.py set OWNER/NAME`", file=sys.stderr)
        sys.exit(1 if stale else 0)
    else:
        sys.exit(__doc__)
