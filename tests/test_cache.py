"""The on-disk cache: keys, entries, corruption, concurrent writers, housekeeping."""

from __future__ import annotations

import errno
import multiprocessing
import os
import shutil
import time

import pytest
from wsd_server import png_bytes

from sphinxcontrib_oswsd.render.api import APIImage, Box
from sphinxcontrib_oswsd.render.cache import (
    Cache,
    CacheError,
    cache_key,
    default_cache_dir,
    key_identity,
)

SECRET = "sekrit-KEY-0123456789"
KEY_FIELDS = {
    "renderer": "api",
    "version": 1,
    "api_url": "http://127.0.0.1:9",
    "style": "modern-blue",
    "fmt": "png",
    "api_key": None,
    "message": "a->b: hi",
}


def image(width: int = 40, height: int = 20) -> APIImage:
    return APIImage(
        data=png_bytes(width, height),
        format="png",
        errors=((3, "Syntax error."), (None, "odd")),
        boxes=(Box(1, (10, 10, 120, 30), header=True), Box(2, (10, 60, 260, 30))),
        natural_width=width,
    )


def key(**changes: object) -> str:
    return cache_key(**{**KEY_FIELDS, **changes})  # type: ignore[arg-type]


def test_an_entry_comes_back_whole(tmp_path):
    cache = Cache(tmp_path)
    stored = image()
    cache.put(key(), stored)
    hit = cache.get(key())
    assert hit is not None and hit.image == stored
    assert hit.created.endswith("+00:00")
    assert cache.get(key(message="other")) is None


@pytest.mark.parametrize(
    "field, value",
    [
        ("renderer", "local"),
        ("version", 2),
        ("api_url", "http://127.0.0.1:10"),
        ("style", "rose"),
        ("fmt", "svg"),
        ("api_key", SECRET),
        ("message", "a->b: hi!"),
    ],
)
def test_every_setting_is_part_of_the_key(field, value):
    assert key(**{field: value}) != key()


def test_keys_are_hashes_of_the_api_key_not_the_key():
    assert key_identity(None) == key_identity("") == "no key"
    assert SECRET not in key_identity(SECRET)
    assert key_identity(SECRET) != key_identity(SECRET + "x")
    assert key(api_url="http://127.0.0.1:9/") == key()


def test_entries_hold_no_path_and_no_key(tmp_path):
    cache = Cache(tmp_path / "cache")
    cache.put(key(api_key=SECRET), image())
    (entry,) = (tmp_path / "cache").iterdir()
    blob = entry.read_bytes()
    assert str(tmp_path).encode() not in blob
    assert SECRET.encode() not in blob
    assert entry.name == key(api_key=SECRET) + ".oswsd"


def test_a_cache_directory_works_after_moving_it(tmp_path):
    Cache(tmp_path / "here").put(key(), image())
    shutil.copytree(tmp_path / "here", tmp_path / "elsewhere")
    assert Cache(tmp_path / "elsewhere").get(key()).image == image()


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[: len(blob) - 10],  # cut short
        lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]),  # one bit flipped
        lambda blob: b"",  # empty (a crash before the data reached the disk)
        lambda blob: b"OSWSD-CACHE 1\n{not json\n" + blob,
        lambda blob: b"PNG but not ours",
        lambda blob: blob.replace(b'"format":"png"', b'"format":"pdf"'),
    ],
)
def test_a_damaged_entry_is_a_miss_and_goes(tmp_path, damage):
    cache = Cache(tmp_path)
    cache.put(key(), image())
    path = cache.path(key())
    path.write_bytes(damage(path.read_bytes()))
    assert cache.get(key()) is None
    assert not path.exists()
    cache.put(key(), image())
    assert cache.get(key()).image == image()


def test_only_images_are_stored(tmp_path):
    with pytest.raises(ValueError):
        Cache(tmp_path).put(key(), APIImage(b"<html>", "png"))
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        Cache(tmp_path).put(key(), image())
    assert list(tmp_path.iterdir()) == []


def test_keys_cannot_name_other_files(tmp_path):
    with pytest.raises(ValueError):
        Cache(tmp_path).get("../" + "0" * 61)


def test_a_hit_marks_the_entry_used(tmp_path):
    cache = Cache(tmp_path)
    cache.put(key(), image())
    path = cache.path(key())
    os.utime(path, (1_000_000, 1_000_000))
    assert cache.get(key()).last_used == 1_000_000
    assert path.stat().st_mtime > time.time() - 60


def test_default_directory_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "sphinxcontrib-oswsd"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "sphinxcontrib-oswsd"
    assert Cache().directory == default_cache_dir()


def test_info_prune_and_clear(tmp_path):
    cache = Cache(tmp_path)
    for n in range(3):
        cache.put(key(message=str(n)), image(10 + n, 10))
    old = time.time() - 40 * 86400
    os.utime(cache.path(key(message="0")), (old, old))
    (tmp_path / ".partial-abandoned").write_bytes(b"half")
    os.utime(tmp_path / ".partial-abandoned", (old, old))
    (tmp_path / "README").write_text("not ours")

    info = cache.info()
    assert (info.entries, info.partial) == (3, 1)
    assert info.size == sum(
        cache.path(key(message=str(n))).stat().st_size for n in range(3)
    )
    assert info.oldest_use == pytest.approx(old)

    assert cache.prune(days=30) == 1
    assert cache.get(key(message="0")) is None and cache.get(key(message="1"))
    assert not (tmp_path / ".partial-abandoned").exists()

    assert cache.clear() == 2
    assert [p.name for p in tmp_path.iterdir()] == ["README"]


def test_info_of_a_missing_directory(tmp_path):
    info = Cache(tmp_path / "nothing").info()
    assert (info.entries, info.size, info.oldest_use) == (0, 0, None)


def _hammer(directory: str, seed: int, rounds: int) -> list[str]:
    """One process filling and reading the shared cache; returns problems."""
    cache = Cache(directory)
    problems = []
    for n in range(rounds):
        size = 20 + (seed * 7 + n) % 5  # same keys, differently sized images
        name = key(message=str(n % 4))
        cache.put(name, image(size, size))
        hit = cache.get(name)  # an entry is there from now on: never a miss
        if hit is None or not hit.image.data.startswith(b"\x89PNG"):
            problems.append(f"round {n}: {'miss' if hit is None else 'bad data'}")
    return problems


def test_concurrent_processes_do_not_corrupt_the_cache(tmp_path):
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        outcomes = pool.starmap(
            _hammer, [(str(tmp_path), seed, 150) for seed in range(4)]
        )
    assert outcomes == [[], [], [], []]
    cache = Cache(tmp_path)
    assert cache.info().entries == 4 and cache.info().partial == 0
    for n in range(4):
        assert cache.get(key(message=str(n))) is not None  # whole and valid


def _dead_pid() -> int:
    """The id of a process that has ended."""
    import subprocess
    import sys

    process = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(process.stdout)


def test_prune_removes_the_partial_writes_no_running_process_owns(tmp_path):
    """Issue 13.10: not after an hour, as soon as their writer is gone."""
    cache = Cache(tmp_path)
    mine = tmp_path / f".partial-{os.getpid()}-abc"  # a write in progress
    gone = tmp_path / f".partial-{_dead_pid()}-def"  # a killed writer's
    legacy = tmp_path / ".partial-xyz"  # no owner in the name
    for path in (mine, gone, legacy):
        path.write_bytes(b"half")
    info = cache.info()
    assert (info.partial, info.writing) == (2, 1)
    cache.prune()
    assert mine.exists() and not gone.exists() and not legacy.exists()
    assert (cache.info().partial, cache.info().writing) == (0, 1)
    old = time.time() - 2 * 3600
    os.utime(mine, (old, old))  # no write takes hours: its owner is stuck
    cache.prune()
    assert not mine.exists()


def test_a_write_names_its_process(tmp_path, monkeypatch):
    seen = []
    real = os.replace

    def look(src, dst):
        seen.append(os.path.basename(src))
        real(src, dst)

    monkeypatch.setattr(os, "replace", look)
    Cache(tmp_path).put(key(), image())
    assert seen[0].startswith(f".partial-{os.getpid()}-")


@pytest.mark.parametrize(
    "error, why",
    [
        (errno.EROFS, "it is read-only"),
        (errno.EACCES, "it is read-only"),
        (errno.ENOSPC, "the disk is full"),
        (errno.EIO, os.strerror(errno.EIO)),
    ],
)
def test_write_problems_say_what_is_wrong(tmp_path, monkeypatch, error, why):
    def refuse(*args, **kwargs):
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(CacheError) as caught:
        Cache(tmp_path).put(key(), image())
    assert str(caught.value) == f"cannot write the cache in {tmp_path}: {why}"


def test_a_file_in_place_of_the_directory(tmp_path):
    (tmp_path / "cache").write_text("x")
    with pytest.raises(CacheError) as caught:
        Cache(tmp_path / "cache").put(key(), image())
    assert str(caught.value).endswith(": a file is in its place")


def test_a_corrupt_entry_is_reported(tmp_path):
    told = []
    cache = Cache(tmp_path, report=told.append)
    cache.put(key(), image())
    cache.path(key()).write_bytes(b"OSWSD-CACHE 1\n{}\n")
    assert cache.get(key()) is None
    assert told == [f"removed corrupt cache entry {cache.path(key())}"]


def test_an_entry_nested_too_deeply_is_a_miss(tmp_path):
    cache = Cache(tmp_path, report=lambda message: None)
    cache.put(key(), image())
    cache.path(key()).write_bytes(b"OSWSD-CACHE 1\n" + b"[" * 100_000 + b"\n")
    assert cache.get(key()) is None and not cache.path(key()).exists()
