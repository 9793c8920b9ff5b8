"""Shared loader machinery: listing files, decoding images, caching, reporting."""

import os
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.utils import Bunch

from ..preprocessing import FaceCropper, NoFaceWarning
from ..utils import read_gray_image, resize_image
from . import _cache
from ._vocabulary import _sort_names, canonical_emotion

__all__ = ["SkippedFileWarning"]

IMAGE_SIZE = (48, 48)
_IMAGE_EXTENSIONS = frozenset(
    ".bmp .gif .jpeg .jpg .pgm .png .pnm .ppm .tif .tiff .webp".split()
)
_IGNORED = frozenset({"thumbs.db", "desktop.ini"})
_ON_ERROR = ("warn", "raise")
_NOT_REGULAR = "not a regular file (a FIFO, device, socket or broken link)"


class SkippedFileWarning(UserWarning):
    """Warned when a loader skips files; the message names every one of them.

    Turn it into an error with ``on_error="raise"`` or the warnings filter.

    Examples
    --------
    >>> import tempfile, pathlib, warnings
    >>> from skfer.datasets import SkippedFileWarning, load_image_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "happy").mkdir()
    >>> _ = (root / "happy" / "notes.png").write_text("not an image")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     try:
    ...         load_image_folder(root, cache=False)
    ...     except ValueError:
    ...         pass  # nothing left to load
    >>> any(issubclass(w.category, SkippedFileWarning) for w in caught)
    True
    """


def _is_image(name):
    return os.path.splitext(name)[1].lower() in _IMAGE_EXTENSIONS


def _is_ignored(name):
    """Hidden files and OS litter, never samples."""
    return name.startswith(".") or name.lower() in _IGNORED


def _check_on_error(on_error, loader):
    if on_error not in _ON_ERROR:
        raise ValueError(
            f"{loader}: on_error must be one of {_ON_ERROR}; got {on_error!r}."
        )


def _check_bool(value, name, loader):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{loader}: {name} must be True or False; got {value!r}.")


@dataclass(frozen=True)
class _LoadOptions:
    """The options every loader takes, checked when made.

    ``loader`` is the public function's name, the start of every message;
    ``cache``, ``on_error`` and ``return_X_y`` are its arguments of those names.
    """

    loader: str
    cache: object
    on_error: str
    return_X_y: bool

    def __post_init__(self):
        _check_on_error(self.on_error, self.loader)
        _check_bool(self.return_X_y, "return_X_y", self.loader)


@dataclass
class _Listing:
    """The image files that a loader found in its folder, not yet decoded.

    ``rels`` (paths under the folder), ``target``, and ``groups`` and ``usage``
    (None, or one per file); ``files``, the :func:`_stat` of every file read (the
    cache key), and ``problems``, ``(file, why)`` of each unusable file.
    """

    rels: list
    target: list
    files: list
    problems: list
    groups: list | None = None
    usage: list | np.ndarray | None = None


def _check_dir(path, loader):
    if not path.is_dir():
        raise NotADirectoryError(
            f"{loader}: path {str(path)!r} is not a folder; expected the "
            "dataset's folder."
        )


def _entries(folder):
    """The non-hidden entries of ``folder``, sorted by name."""
    return sorted(
        (e for e in os.scandir(folder) if not _is_ignored(e.name)),
        key=lambda e: e.name,
    )


def _stat(entry, rel):
    """The cache-key record of a file (an ``os.DirEntry`` or a path).

    Size and modification time, plus the inode and the status-change time:
    rewriting a file (in place or by renaming another onto it) changes one of
    these even when the size and the modification time are set back (``touch
    -d``, ``os.utime``), which users cannot do for ``st_ctime``.
    """
    stat = entry.stat()
    return rel, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino


def _scan_class_folders(root, loader, *, aliases=None, keep_unknown=False, prefix=""):
    """List a ``<class>/<image>`` tree.

    Returns ``samples`` (relative name, canonical label), ``files`` (relative
    name, size, mtime) of every file seen, for the cache key, and ``problems``
    (relative name, reason) for the files that are not images.
    """
    folders = [e for e in _entries(root) if e.is_dir()]
    if not folders:
        raise ValueError(
            f"{loader}: no class folders in {str(root)!r}; expected one folder "
            "per emotion holding its images (<class>/<image>)."
        )
    labels, unknown = {}, []
    for folder in folders:
        try:
            labels[folder.name] = canonical_emotion(folder.name, aliases=aliases)
        except ValueError:
            if keep_unknown:
                labels[folder.name] = folder.name
            else:
                unknown.append(folder.name)
    if unknown:
        raise ValueError(
            f"{loader}: unknown class folder(s) {unknown} in {str(root)!r}; "
            "expected emotion names such as 'angry', 'happiness' or 'SU' (see "
            "skfer.datasets.EMOTION_ALIASES). Pass aliases={folder: emotion} to "
            "map them, or keep_unknown=True to keep the folder names as labels."
        )
    samples, files, problems = [], [], []
    for folder in folders:
        for entry in _entries(folder.path):
            rel = f"{prefix}{folder.name}/{entry.name}"
            if entry.is_dir():
                problems.append((rel, "is a folder (nested folders are not read)"))
                continue
            if not entry.is_file():  # never opened: a FIFO would block the load
                problems.append((rel, _NOT_REGULAR))
                continue
            files.append(_stat(entry, rel))
            if _is_image(entry.name):
                samples.append((rel, labels[folder.name]))
            else:
                problems.append((rel, "not an image file (unknown extension)"))
    return samples, files, problems


def _cropper(crop_faces, loader):
    """The FaceCropper for a loader's ``crop_faces`` argument, or None."""
    if isinstance(crop_faces, FaceCropper):
        return crop_faces
    if crop_faces is True:
        return FaceCropper()
    if crop_faces is False:
        return None
    raise TypeError(
        f"{loader}: crop_faces must be True, False or a FaceCropper; got "
        f"{crop_faces!r}."
    )


def _cropper_params(cropper):
    if cropper is None:
        return None
    return sorted((k, repr(v)) for k, v in cropper.get_params().items())


def _decode_files(root, rels, cropper):
    """Decode, crop and resize image files into model-ready rows.

    Returns ``data`` (n_decoded, 2304) uint8, ``face_found`` (None when not
    cropping), the boolean mask of the files decoded, and the problems.
    """
    data = np.empty((len(rels), IMAGE_SIZE[0] * IMAGE_SIZE[1]), dtype=np.uint8)
    ok = np.zeros(len(rels), dtype=bool)
    found = np.zeros(len(rels), dtype=bool) if cropper is not None else None
    problems = []
    for index, rel in enumerate(rels):
        try:
            image = read_gray_image(root / rel)
        except Exception as exc:  # any decoding failure: report the file, go on
            problems.append((rel, f"cannot be read as an image ({exc})"))
            continue
        if cropper is not None:
            (image,), (found[index],), _ = cropper.crop([image])
        data[index] = resize_image(image, IMAGE_SIZE).ravel()
        ok[index] = True
    if ok.all():  # the usual case: no copy of a possibly large array
        return data, found, ok, problems
    return data[ok], (None if found is None else found[ok]), ok, problems


def _raise_or_keep(problems, on_error, loader, root):
    if problems and on_error == "raise":
        raise ValueError(_problem_message(problems, loader, root, "cannot be used"))


def _problem_message(problems, loader, root, verb):
    lines = "\n".join(
        f"  {p[0]}: {p[1]}" if isinstance(p, tuple) else f"  {p}" for p in problems
    )
    return f"{loader}: {len(problems)} file(s) under {str(root)!r} {verb}:\n{lines}"


def _as_str_array(values):
    return np.array(list(values), dtype=str) if len(values) else np.array([], str)


def _pack(data, target, rels, *, groups=None, usage=None, face_found=None, problems=()):
    """The arrays stored in the cache and turned into a Bunch."""
    stored = {
        "data": data,
        "target": _as_str_array(target),
        "filenames": _as_str_array(rels),
        "skipped": _as_str_array([f"{rel}: {why}" for rel, why in problems]),
    }
    if groups is not None:
        stored["groups"] = _as_str_array(groups)
    if usage is not None:
        stored["usage"] = _as_str_array(usage)
    if face_found is not None:
        stored["face_found"] = np.asarray(face_found, dtype=bool)
    return stored


def _load_cached(loader, root, params, files, cache, build, stacklevel=4):
    """``build()`` the stored arrays, or read them from the cache.

    ``stacklevel`` is that of the warning of a failed cache write, see
    :func:`_cache.write_cached`.
    """
    path = _cache.cache_file(cache, loader, root, params, files)
    stored = _cache.read_cached(path, stacklevel)
    if stored is None:
        stored = build()
        _cache.write_cached(path, stored, stacklevel)
    return stored


def _load_images(name, root, listing, params, options, *, descr, cropper=None):
    """Load the image files of ``listing`` under ``root``, the tail of a loader.

    Reports the problems found while listing, decodes the images (or reads them
    from the cache entry of ``name``, ``params`` and the listed files) and builds
    the Bunch.
    """
    loader, on_error = options.loader, options.on_error
    _raise_or_keep(listing.problems, on_error, loader, root)

    def build():
        data, found, ok, bad = _decode_files(root, listing.rels, cropper)
        _raise_or_keep(bad, on_error, loader, root)
        groups, usage = listing.groups, listing.usage
        return _pack(
            data,
            np.array(listing.target, dtype=str)[ok],
            np.array(listing.rels, dtype=str)[ok],
            groups=None if groups is None else np.array(groups, dtype=str)[ok],
            usage=None if usage is None else np.array(usage, dtype=str)[ok],
            face_found=found,
            problems=listing.problems + bad,
        )

    # one frame deeper than a loader calling these itself
    stored = _load_cached(
        name, root, params, listing.files, options.cache, build, stacklevel=5
    )
    return _finish(stored, root, options, descr=descr, stacklevel=4)


def _finish(stored, root, options, *, descr, stacklevel=3):
    """Report skipped files and faces not found, then build the Bunch.

    ``stacklevel`` points the warnings at the caller of the public loader.
    """
    loader = options.loader
    skipped = stored["skipped"].tolist()
    if skipped:
        _raise_or_keep(skipped, options.on_error, loader, root)
        warnings.warn(
            _problem_message(skipped, loader, root, "were skipped"),
            SkippedFileWarning,
            stacklevel,
        )
    data, target = stored["data"], stored["target"]
    if len(data) == 0:
        raise ValueError(f"{loader}: no images could be loaded from {str(root)!r}.")
    face_found = stored.get("face_found")
    if face_found is not None and not face_found.all():
        missed = stored["filenames"][~face_found].tolist()
        warnings.warn(
            f"{loader}: no face found in {len(missed)} of {len(data)} images; used "
            "the centre crop for:\n" + "\n".join(f"  {m}" for m in missed),
            NoFaceWarning,
            stacklevel,
        )
    if options.return_X_y:
        return data, target
    prefix = str(root) + os.sep
    return Bunch(
        data=data,
        images=data.reshape(len(data), *IMAGE_SIZE),
        target=target,
        target_names=np.array(_sort_names(target.tolist())),
        groups=stored.get("groups"),
        usage=stored.get("usage"),
        filenames=np.char.add(prefix, stored["filenames"]),
        face_found=face_found,
        DESCR=descr,
    )
