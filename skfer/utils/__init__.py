"""Utilities shared by skfer's packages: files, images, input units, torch.

The lowest layer of skfer: it imports no other skfer package. Names load
their module on first use (PEP 562), so that ``skfer.onnx`` can use the file
helpers without importing torch. For contributors
and for code built on skfer; the user-facing API is in the other packages.

- files: :func:`atomic_file`, :func:`write_text_atomic` (every file skfer
  writes goes through them) and :func:`sha256_file`;
- images: :func:`read_gray_image` (the one image decoder, and the guard of
  every image file read: regular files only, :func:`check_regular_file`, and a
  pixel budget, :func:`max_image_pixels`, :data:`MAX_IMAGE_PIXELS`) and
  :func:`resize_image`;
- input units: :class:`InputUnitsWarning`, :func:`describe_units`,
  :func:`infer_input_range`, :func:`check_units`, :func:`match_units`,
  :func:`scale_pixels`, :func:`intensity_scale`, :func:`image_side`;
- estimator input: :func:`validate_images`, :func:`rows_to_images`,
  :class:`ImageBatches`, :class:`NonSquareImageWarning`;
- class priors (numpy only, for the torch and the ONNX classifiers):
  :func:`class_counts`, :func:`check_class_prior`, :func:`change_prior`,
  :func:`valid_class_counts`;
- torch: :func:`check_device`, :func:`resolve_precision`, :func:`autocast`,
  :func:`cpu_has_fast_bfloat16` (``SKFER_BFLOAT16`` overrides it:
  :func:`bfloat16_override`),
  :func:`seeded`, :func:`intra_op_threads`, :func:`reuse_large_allocations`,
  :func:`fused_optimizer_kwargs`;
- optional dependencies: :func:`import_optional`,
  :func:`missing_dependency_message`.
"""

import importlib

__all__ = [
    "BFLOAT16_ENV",
    "BYTE",
    "INPUT_SIZE",
    "MAX_IMAGE_PIXELS",
    "MIN_SHARE_ABOVE_ONE",
    "PRECISIONS",
    "SINGLE_THREAD_MAX_IMAGES",
    "UNIT",
    "ImageBatches",
    "InputUnitsWarning",
    "NonSquareImageWarning",
    "atomic_file",
    "autocast",
    "bfloat16_override",
    "change_prior",
    "check_class_prior",
    "check_device",
    "check_regular_file",
    "check_units",
    "class_counts",
    "cpu_has_fast_bfloat16",
    "describe_units",
    "fused_optimizer_kwargs",
    "image_side",
    "import_optional",
    "infer_input_range",
    "intensity_scale",
    "intra_op_threads",
    "match_units",
    "max_image_pixels",
    "missing_dependency_message",
    "read_gray_image",
    "resize_image",
    "resolve_precision",
    "reuse_large_allocations",
    "rows_to_images",
    "scale_pixels",
    "seeded",
    "sha256_file",
    "valid_class_counts",
    "validate_images",
    "write_text_atomic",
]

#: Public name -> the private module defining it, imported on first use.
_LAZY = {
    "BFLOAT16_ENV": "._torch",
    "BYTE": "._units",
    "INPUT_SIZE": "._validation",
    "ImageBatches": "._validation",
    "InputUnitsWarning": "._units",
    "MAX_IMAGE_PIXELS": "._images",
    "MIN_SHARE_ABOVE_ONE": "._units",
    "NonSquareImageWarning": "._validation",
    "PRECISIONS": "._torch",
    "SINGLE_THREAD_MAX_IMAGES": "._torch",
    "UNIT": "._units",
    "atomic_file": "._atomic",
    "autocast": "._torch",
    "bfloat16_override": "._torch",
    "change_prior": "._prior",
    "check_class_prior": "._prior",
    "check_device": "._torch",
    "check_regular_file": "._images",
    "check_units": "._units",
    "class_counts": "._prior",
    "cpu_has_fast_bfloat16": "._torch",
    "describe_units": "._units",
    "fused_optimizer_kwargs": "._torch",
    "image_side": "._units",
    "import_optional": "._optional",
    "infer_input_range": "._units",
    "intensity_scale": "._units",
    "intra_op_threads": "._torch",
    "match_units": "._units",
    "max_image_pixels": "._images",
    "missing_dependency_message": "._optional",
    "read_gray_image": "._images",
    "resize_image": "._images",
    "resolve_precision": "._torch",
    "reuse_large_allocations": "._torch",
    "rows_to_images": "._validation",
    "scale_pixels": "._units",
    "seeded": "._torch",
    "sha256_file": "._hashing",
    "valid_class_counts": "._prior",
    "validate_images": "._validation",
    "write_text_atomic": "._atomic",
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
