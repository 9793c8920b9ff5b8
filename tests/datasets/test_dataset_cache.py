import os

import numpy as np
import pytest

from skfer.datasets import (
    SkippedFileWarning,
    _files,
    clear_cache,
    get_cache_home,
    get_data_home,
    load_fer2013,
    load_image_folder,
)


@pytest.fixture
def tree(tmp_path, write_image):
    root = tmp_path / "data"
    for i in range(3):
        write_image(root / f"train/happy/Training_{i}.png", value=i)
    write_image(root / "test/sad/PublicTest_9.png", value=9)
    return root


@pytest.fixture
def count_decodes(monkeypatch):
    """Number of times image files were decoded."""
    calls = []
    decode = _files._decode_files

    def counting(*args, **kwargs):
        calls.append(1)
        return decode(*args, **kwargs)

    monkeypatch.setattr(_files, "_decode_files", counting)  # used by every loader
    return calls


def _listing(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_second_load_hits_the_cache_in_skfer_cache(tree, cache_home, count_decodes):
    before = _listing(tree)
    first = load_fer2013(tree)
    second = load_fer2013(tree)
    assert len(count_decodes) == 1
    for key in ("data", "target", "usage", "filenames"):
        np.testing.assert_array_equal(first[key], second[key])
    assert second.data.dtype == np.uint8
    entries = list(cache_home.glob("skfer-fer2013-*.npz"))
    assert len(entries) == 1
    assert _listing(tree) == before  # nothing written beside the data


def test_changed_file_list_invalidates(tree, write_image, cache_home, count_decodes):
    assert len(load_fer2013(tree).data) == 4
    write_image(tree / "train/happy/Training_7.png")
    assert len(load_fer2013(tree).data) == 5
    (tree / "train/happy/Training_0.png").unlink()
    assert len(load_fer2013(tree).data) == 4
    assert len(count_decodes) == 3
    assert len(list(cache_home.glob("skfer-fer2013-*.npz"))) == 1  # stale removed


def test_modified_file_invalidates(tree, write_image, count_decodes):
    path = tree / "test/sad/PublicTest_9.png"
    assert load_fer2013(tree, subset="PublicTest").data[0, 0] == 9
    write_image(path, value=200)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert load_fer2013(tree, subset="PublicTest").data[0, 0] == 200
    assert len(count_decodes) == 2


def test_arguments_are_part_of_the_key(tree, count_decodes):
    load_fer2013(tree, subset="Training")
    assert len(load_fer2013(tree, subset="PublicTest").data) == 1
    assert len(count_decodes) == 2


def test_cache_false_and_cache_folder(tree, cache_home, tmp_path, count_decodes):
    load_fer2013(tree, cache=False)
    load_fer2013(tree, cache=False)
    assert len(count_decodes) == 2
    assert not list(cache_home.iterdir())
    own = tmp_path / "own-cache"
    load_fer2013(tree, cache=own)
    load_fer2013(tree, cache=str(own))
    assert len(count_decodes) == 3
    assert len(list(own.glob("skfer-*.npz"))) == 1


def test_corrupted_cache_entry_is_rebuilt(tree, cache_home, count_decodes):
    load_fer2013(tree)
    (entry,) = cache_home.glob("skfer-*.npz")
    entry.write_bytes(b"garbage")
    with pytest.warns(UserWarning, match=r"cache entry .*skfer-fer2013.*not an \.npz"):
        assert len(load_fer2013(tree).data) == 4
    assert len(count_decodes) == 2


def test_unwritable_cache_warns_and_loads(tree, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.warns(UserWarning, match="Could not write the dataset cache"):
        faces = load_fer2013(tree, cache=blocker / "cache")
    assert len(faces.data) == 4


def test_skipped_files_are_reported_again_from_the_cache(tree, count_decodes):
    (tree / "train/happy/broken.png").write_bytes(b"nope")
    for _ in range(2):
        with pytest.warns(SkippedFileWarning, match="broken.png: cannot be read"):
            load_image_folder(tree / "train")
    assert len(count_decodes) == 1
    with pytest.raises(ValueError, match="broken.png"):
        load_image_folder(tree / "train", on_error="raise")


def test_clear_cache(tree, cache_home):
    load_fer2013(tree)
    load_image_folder(tree / "train")
    (cache_home / "keep.txt").write_text("not ours")
    assert clear_cache() == 2
    assert _listing(cache_home) == ["keep.txt"]
    assert clear_cache(cache_home / "absent") == 0


def test_homes_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SKFER_CACHE", str(tmp_path / "c"))
    monkeypatch.setenv("SKFER_DATA", str(tmp_path / "d"))
    assert get_cache_home() == tmp_path / "c"
    assert get_data_home() == tmp_path / "d"
    monkeypatch.delenv("SKFER_CACHE")
    monkeypatch.delenv("SKFER_DATA")
    assert get_cache_home().parts[-2:] == (".cache", "skfer")
    assert get_data_home().name == "skfer_data"
    assert get_data_home("~/x") == get_data_home("~/x").expanduser()


# ------------------------------------------------ hostile names and entries
def _folder(root, write_image):
    for i, label in enumerate(["happy", "happy", "sad", "sad"]):
        write_image(root / label / f"{i}.png", value=10 * i)
    return root


def test_file_names_that_are_not_utf8_have_a_cache_key(
    tmp_path, write_image, count_decodes
):
    root = _folder(tmp_path / "faces", write_image)
    latin1 = os.path.join(os.fsencode(root / "happy"), b"caf\xe9.png")
    try:
        os.rename(write_image(root / "happy" / "x.png", value=77), latin1)
    except (OSError, UnicodeError):  # a file system that only takes UTF-8 names
        pytest.skip("this file system refuses non-UTF-8 names")
    first = load_image_folder(root)
    second = load_image_folder(root)
    assert len(count_decodes) == 1  # the second load came from the cache
    assert len(first.target) == 5 and (first.data == 77).all(axis=1).sum() == 1
    names = [os.fsencode(n) for n in second.filenames]
    assert latin1 in names  # the surrogates give the file's own bytes back
    np.testing.assert_array_equal(first.data, second.data)


def _entry(cache_home):
    (entry,) = cache_home.glob("skfer-*.npz")
    return entry


def _rewrite(entry, **changes):
    with np.load(entry) as stored:
        arrays = {k: stored[k] for k in stored.files}
    arrays.update(changes)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(entry, allow_pickle=True, **arrays)  # pickles too (a hostile entry)


CORRUPTIONS = {
    "random bytes": lambda e: e.write_bytes(os.urandom(2000)),
    "truncated": lambda e: e.write_bytes(e.read_bytes()[: e.stat().st_size // 2]),
    "empty": lambda e: e.write_bytes(b""),
    "bit flipped": lambda e: e.write_bytes(
        e.read_bytes()[:300]
        + bytes([e.read_bytes()[300] ^ 0xFF])
        + e.read_bytes()[301:]
    ),
    "no skipped": lambda e: _rewrite(e, skipped=None),
    "no data": lambda e: _rewrite(e, data=None),
    "rows of 100 pixels": lambda e: _rewrite(e, data=np.zeros((4, 100), np.uint8)),
    "float pixels": lambda e: _rewrite(e, data=np.full((4, 2304), 1e3)),
    "labels cut short": lambda e: _rewrite(e, target=np.array(["happy"])),
    "labels as numbers": lambda e: _rewrite(e, target=np.arange(4)),
    "pickled object": lambda e: _rewrite(e, usage=np.array([{}] * 4, dtype=object)),
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=list(CORRUPTIONS))
def test_a_corrupt_cache_entry_is_named_and_rebuilt(
    tmp_path, write_image, cache_home, count_decodes, corrupt
):
    import warnings

    root = _folder(tmp_path / "faces", write_image)
    good = load_image_folder(root)
    entry = _entry(cache_home)
    CORRUPTIONS[corrupt](entry)
    with pytest.warns(UserWarning, match="dataset cache entry") as caught:
        again = load_image_folder(root)
    message = str(caught[0].message)
    assert str(entry) in message and "decoded again" in message
    assert caught[0].filename == __file__  # points at the caller of the loader
    assert len(count_decodes) == 2
    for key in ("data", "target", "filenames"):
        np.testing.assert_array_equal(good[key], again[key])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the entry was rewritten: no warning now
        load_image_folder(root)
    assert len(count_decodes) == 2
