"""Which revision a source tree is: a tag, a branch or a commit.

Links name it the way opendev's (Gitea's) URLs do, ``src/tag/34.0.0``,
``src/branch/stable/2026.2``, ``src/commit/<sha>``: a tag URL with a branch
name in it is a broken link. A git checkout is read from its ``.git``
files (no ``git`` program needed); an unpacked sdist is the tag of its
``PKG-INFO`` version.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from typing import Literal

RevisionKind = Literal["tag", "branch", "commit"]

_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
#: Names that are tags without saying so: releases (``34.0.0``, ``2.0.0rc1``)
#: and OpenStack's end-of-life tags (``zed-eol``, ``2023.1-eom``).
_TAG_LIKE = re.compile(r"\d+(\.\d+)+([a-z]+\d*)?|.+-(eol|eom)")
_KINDS: tuple[RevisionKind, ...] = ("tag", "branch", "commit")


@dataclass(frozen=True)
class Revision:
    kind: RevisionKind
    name: str  # "34.0.0", "stable/2026.2", or a full commit id

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> Revision:
        """A configured version: ``tag/...``, ``branch/...`` or ``commit/...``
        as written; else a commit id, a release number or an end-of-life tag
        (a tag), or a branch name."""
        kind, _, name = text.partition("/")
        if kind in _KINDS and name:
            return cls(kind, name)  # type: ignore[arg-type]
        if _SHA.fullmatch(text):
            return cls("commit", text)
        return cls("tag" if _TAG_LIKE.fullmatch(text) else "branch", text)


#: What a tree that is neither a git checkout nor an sdist links to.
DEFAULT_REVISION = Revision("branch", "master")


def checkout_revision(root: Path) -> Revision:
    """The release tag of an unpacked sdist, else what the git checkout at
    ``root`` has checked out, else ``branch/master``."""
    try:
        headers = HeaderParser().parsestr((root / "PKG-INFO").read_text("utf-8"))
    except (OSError, UnicodeDecodeError):
        pass
    else:
        if version := headers.get("Version"):
            return Revision("tag", version)
    try:
        return _git_revision(_git_dir(root)) or DEFAULT_REVISION
    except (OSError, UnicodeDecodeError, zlib.error):
        return DEFAULT_REVISION


def _git_dir(root: Path) -> Path:
    """``root/.git``, or where a worktree's ``.git`` file points."""
    dot_git = root / ".git"
    if dot_git.is_file():
        pointer = dot_git.read_text("utf-8").strip()
        return (root / pointer.removeprefix("gitdir:").strip()).resolve()
    return dot_git


def _git_revision(git_dir: Path) -> Revision | None:
    head = (git_dir / "HEAD").read_text("utf-8").strip()
    if head.startswith("ref: refs/heads/"):
        return Revision("branch", head.removeprefix("ref: refs/heads/"))
    if not _SHA.fullmatch(head):
        return None
    common = git_dir
    if (pointer := git_dir / "commondir").is_file():  # a worktree's shared refs
        common = (git_dir / pointer.read_text("utf-8").strip()).resolve()
    tags = sorted(name for name, sha in _tags(common) if sha == head)
    return Revision("tag", tags[0]) if tags else Revision("commit", head)


def _tags(common: Path) -> list[tuple[str, str]]:
    """Every tag with the commit it names: packed ones (``^`` lines give an
    annotated tag's commit), then loose ones, peeled from their objects."""
    found: list[tuple[str, str]] = []
    packed = common / "packed-refs"
    if packed.is_file():
        last: str | None = None
        for line in packed.read_text("utf-8").splitlines():
            if line.startswith("^") and last is not None:
                found.append((last, line[1:]))
            elif line.startswith("#") or " refs/tags/" not in line:
                last = None
            else:
                sha, _, ref = line.partition(" ")
                last = ref.removeprefix("refs/tags/")
                found.append((last, sha))
    loose = common / "refs" / "tags"
    for path in sorted(p for p in loose.rglob("*") if p.is_file()):
        sha = path.read_text("utf-8").strip()
        name = path.relative_to(loose).as_posix()
        found.append((name, _peel(common, sha) or sha))
    return found


def _peel(common: Path, sha: str) -> str | None:
    """The commit a loose annotated tag object names (None if it is not one)."""
    obj = common / "objects" / sha[:2] / sha[2:]
    if not obj.is_file():
        return None
    data = zlib.decompress(obj.read_bytes())
    header, _, body = data.partition(b"\0")
    if not header.startswith(b"tag "):
        return None
    first = body.split(b"\n", 1)[0].decode("ascii", "replace")
    return first.removeprefix("object ") if first.startswith("object ") else None
