"""A content-addressed on-disk cache of images rendered by the API.

An entry is one file, ``<sha256 key>.oswsd``: a header line, one line of
metadata JSON (format, errors, boxes, natural width, creation time, size and
checksum of the image), then the image bytes. It is written to a temporary
file in the same directory and renamed into place, so a reader sees a whole
entry or none, and processes filling one cache at once only ever replace a
whole entry with an equal one. A file that fails its checksum or is not
an image of its format exactly as validation leaves it (a crash on a
filesystem that lost the data, a bad merge of a committed cache, an entry of
an older version) is removed, reported and counted as a miss, never served.
A temporary file is named after the process writing it, so housekeeping can
tell an abandoned one from one being written.

Nothing in an entry is an absolute path or machine-specific, so a cache
directory committed next to the docs works on any machine; the last-used
time is the file's mtime, touched on every hit. Only API renders are cached:
the offline renderer is fast and deterministic, and its output depends on
source-reference comments that the key deliberately leaves out.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .api import MAX_LINE, APIImage, Box
from .images import ImageError, checked_image

log = logging.getLogger(__name__)

APP_NAME = "sphinxcontrib-oswsd"
_HEADER = b"OSWSD-CACHE 1\n"
_SUFFIX = ".oswsd"
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.oswsd")
_TEMP_PREFIX = ".partial-"
_TEMP_OWNER = re.compile(r"\.partial-(\d+)-")
_STALE_TEMP_SECONDS = 3600  # no write takes this long, whoever owns it


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/sphinxcontrib-oswsd``, else under ``~/.cache``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / APP_NAME


def key_identity(api_key: str | None) -> str:
    """What the cache key knows of the API key: a salted hash, or ``no key``."""
    if not api_key:
        return "no key"
    digest = hashlib.sha256(b"sphinxcontrib-oswsd api key\0" + api_key.encode())
    return "sha256:" + digest.hexdigest()


def cache_key(
    *,
    renderer: str,
    version: int,
    api_url: str,
    style: str,
    fmt: str,
    api_key: str | None,
    message: str,
) -> str:
    """The sha256 naming an entry; ``message`` is the text without comments
    (see :func:`~sphinxcontrib_oswsd.render.api.strip_comments`)."""
    material = {
        "renderer": renderer,
        "version": version,
        "api_url": api_url.rstrip("/"),
        "style": style,
        "format": fmt,
        "key": key_identity(api_key),
        "message": message,
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedImage:
    image: APIImage
    created: str  # ISO 8601, UTC
    last_used: float  # the file's mtime before this use


@dataclass(frozen=True)
class CacheInfo:
    directory: Path
    entries: int
    size: int  # bytes, entries only
    partial: int  # temporary files left by interrupted writers
    writing: int  # temporary files of writers still running
    oldest_use: float | None
    newest_use: float | None


def _encode(image: APIImage, created: str) -> bytes:
    meta = {
        "format": image.format,
        "size": len(image.data),
        "sha256": hashlib.sha256(image.data).hexdigest(),
        "errors": [list(error) for error in image.errors],
        "boxes": [box.to_json() for box in image.boxes],
        "natural_width": image.natural_width,
        "created": created,
    }
    line = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))
    return _HEADER + line.encode("utf-8") + b"\n" + image.data


def _decode(blob: bytes) -> tuple[APIImage, str] | None:
    """The entry in ``blob``, or ``None`` if any part of it is wrong."""
    if not blob.startswith(_HEADER):
        return None
    meta_line, newline, data = blob[len(_HEADER) :].partition(b"\n")
    if not newline:
        return None
    try:
        meta = json.loads(meta_line)
        fmt = meta["format"]
        if (
            meta["size"] != len(data)
            or meta["sha256"] != hashlib.sha256(data).hexdigest()
            or checked_image(data, fmt) != data
        ):
            return None
        width = meta.get("natural_width")
        image = APIImage(
            data=data,
            format=fmt,
            errors=tuple((_line(line), str(msg)) for line, msg in meta["errors"]),
            boxes=tuple(Box.from_json(box) for box in meta["boxes"]),
            natural_width=width if isinstance(width, int) else None,
        )
        return image, str(meta["created"])
    except (KeyError, TypeError, ValueError, ImageError, RecursionError):
        return None


def _line(value: object) -> int | None:
    if value is None or (type(value) is int and 0 < value <= MAX_LINE):
        return value  # type: ignore[return-value]
    raise ValueError("not a line number")


class CacheError(OSError):
    """The cache could not be written; ``str()`` names the directory and why."""


def _write_problem(directory: Path, error: OSError) -> str:
    """Why ``directory`` cannot take an entry, in words a user can act on."""
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        why = "it is read-only"
    elif error.errno in (errno.EEXIST, errno.ENOTDIR):
        why = "a file is in its place"
    elif error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        why = "the disk is full"
    else:
        why = error.strerror or str(error)
    return f"cannot write the cache in {directory}: {why}"


def _owner_running(name: str) -> bool:
    """Whether the process that named a temporary file is still running."""
    match = _TEMP_OWNER.match(name)
    if not match:
        return False
    try:
        os.kill(int(match[1]), 0)
    except PermissionError:  # someone else's process
        return True
    except (OSError, OverflowError, ValueError):
        return False
    return True


class Cache:
    """The cache in ``directory`` (created on the first write).

    ``report`` is told of a corrupt entry that was removed (by default the
    Python log; a build makes it a warning at the diagram).
    """

    def __init__(
        self,
        directory: Path | str | None = None,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.directory = Path(directory) if directory else default_cache_dir()
        self.report = report or log.warning

    def path(self, key: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.directory / (key + _SUFFIX)

    def get(self, key: str) -> CachedImage | None:
        """The entry for ``key``; a corrupt one is removed and is a miss."""
        path = self.path(key)
        try:
            with open(path, "rb") as stream:
                stat = os.fstat(stream.fileno())
                blob = stream.read()
        except OSError:
            return None
        decoded = _decode(blob)
        if decoded is None:
            self.report(f"removed corrupt cache entry {path}")
            self._discard(path, stat.st_ino)
            return None
        with contextlib.suppress(OSError):  # a read-only cache still serves
            os.utime(path)
        image, created = decoded
        return CachedImage(image, created, stat.st_mtime)

    def put(self, key: str, image: APIImage) -> None:
        """Store ``image`` under ``key`` atomically; raises ``ValueError`` for
        anything but a validated image, :class:`CacheError` if it cannot."""
        try:
            valid = checked_image(image.data, image.format) == image.data
        except ImageError:
            valid = False
        if not valid:
            raise ValueError(f"refusing to cache data that is not {image.format}")
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        blob = _encode(image, created)
        path = self.path(key)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            prefix = f"{_TEMP_PREFIX}{os.getpid()}-"
            fd, temp = tempfile.mkstemp(prefix=prefix, dir=self.directory)
        except OSError as error:
            raise CacheError(_write_problem(self.directory, error)) from None
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(blob)
            os.chmod(temp, 0o644)
            os.replace(temp, path)
        except BaseException as error:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            if isinstance(error, OSError):
                raise CacheError(_write_problem(self.directory, error)) from None
            raise

    def info(self) -> CacheInfo:
        stats = [stat for _, stat in self._entries()]
        uses = [stat.st_mtime for stat in stats]
        abandoned = sum(1 for _ in self._abandoned())
        return CacheInfo(
            directory=self.directory,
            entries=len(stats),
            size=sum(stat.st_size for stat in stats),
            partial=abandoned,
            writing=sum(1 for _ in self._partials()) - abandoned,
            oldest_use=min(uses, default=None),
            newest_use=max(uses, default=None),
        )

    def prune(self, days: float = 30) -> int:
        """Remove entries unused for ``days`` days, and partial writes no
        running process owns; return how many entries went."""
        cutoff = time.time() - days * 86400
        removed = sum(
            self._remove(path)
            for path, stat in self._entries()
            if stat.st_mtime < cutoff
        )
        for path in self._abandoned():
            self._remove(path)
        return removed

    def clear(self) -> int:
        """Remove every entry and abandoned partial write (nothing else in
        the directory); return how many entries went."""
        removed = sum(self._remove(path) for path, _ in self._entries())
        for path in self._abandoned():
            self._remove(path)
        return removed

    def _files(self) -> Iterator[tuple[Path, os.stat_result]]:
        try:
            scan = list(os.scandir(self.directory))
        except OSError:
            return
        for item in scan:
            with contextlib.suppress(OSError):
                if item.is_file(follow_symlinks=False):
                    yield Path(item.path), item.stat(follow_symlinks=False)

    def _entries(self) -> Iterator[tuple[Path, os.stat_result]]:
        return ((p, s) for p, s in self._files() if _ENTRY_NAME.fullmatch(p.name))

    def _partials(self) -> Iterator[tuple[Path, os.stat_result]]:
        return ((p, s) for p, s in self._files() if p.name.startswith(_TEMP_PREFIX))

    def _abandoned(self) -> Iterator[Path]:
        """Partial writes whose writer is gone (or took over an hour)."""
        stale = time.time() - _STALE_TEMP_SECONDS
        for path, stat in self._partials():
            if stat.st_mtime < stale or not _owner_running(path.name):
                yield path

    @staticmethod
    def _remove(path: Path) -> bool:
        try:
            path.unlink()
        except OSError:
            return False
        return True

    @staticmethod
    def _discard(path: Path, inode: int) -> None:
        """Remove ``path`` unless another process has replaced it meanwhile."""
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == inode:
                path.unlink()
