"""Every public import path of skfer keeps working.

``BEFORE`` lists, module by module, the public names of skfer 0.1 (each
module's ``__all__``, recorded before the package was reorganized into
``classifier/``, ``weights/``, ``report/``, ``cli/`` and ``utils/``). Each must
still import from the same place, and stay in that module's ``__all__``; new
names may be added, none removed.
"""

import importlib

import pytest

BEFORE = {
    "skfer": [
        "FERClassifier",
        "InputUnitsWarning",
        "NonSquareImageWarning",
        "__version__",
        "ensemble_from_fitted",
        "fit_voting_weights",
        "list_pretrained",
        "load_pretrained",
        "make_ensemble",
    ],
    "skfer.augmentation": [
        "BaseTransform",
        "Compose",
        "Identity",
        "PRESETS",
        "RandomAffine",
        "RandomBrightnessContrast",
        "RandomErasing",
        "RandomGaussianBlur",
        "RandomGaussianNoise",
        "RandomHorizontalFlip",
        "RandomResizedCrop",
        "RandomRotation",
        "RandomSaltAndPepper",
        "RandomTransform",
        "augment_images",
        "make_augmentation",
    ],
    "skfer.classifier": [
        "FERClassifier",
    ],
    "skfer.cli": [
        "build_parser",
        "main",
    ],
    "skfer.datasets": [
        "CKPLUS_CODES",
        "EMOTIONS",
        "EMOTION_ALIASES",
        "FER2013_CODES",
        "SkippedFileWarning",
        "canonical_emotion",
        "clear_cache",
        "combine_datasets",
        "get_cache_home",
        "get_data_home",
        "load_ckplus",
        "load_fer2013",
        "load_ferplus",
        "load_image_folder",
        "load_jaffe",
        "make_faces",
    ],
    "skfer.ensemble": [
        "ensemble_from_fitted",
        "fit_voting_weights",
        "make_ensemble",
    ],
    "skfer.inspection": [
        "last_conv_block",
        "saliency_map",
        "saliency_sanity",
    ],
    "skfer.metrics": [
        "classification_summary",
        "confusion_matrices",
    ],
    "skfer.models": [
        "ARCHITECTURES",
        "PaperModel1",
        "PaperModel2",
        "PaperModel3",
        "SmallCNN",
        "build_model",
        "count_parameters",
        "register_architecture",
    ],
    "skfer.onnx": [
        "ONNXClassifier",
        "export_onnx",
    ],
    "skfer.over_sampling": [
        "AugmentationOverSampler",
    ],
    "skfer.plotting": [
        "plot_confusion_matrix",
        "plot_confusion_matrix_from_estimator",
        "plot_confusion_matrix_from_matrix",
        "plot_emotion_analysis",
        "plot_emotion_timeline",
        "plot_faces",
        "plot_learning_curves",
        "save_figure",
    ],
    "skfer.preprocessing": [
        "FaceCropper",
        "Grayscale",
        "HistogramEqualization",
        "NoFaceWarning",
        "Resize",
        "detect_faces",
        "extract_faces",
        "find_faces",
    ],
    "skfer.report": [
        "make_report",
    ],
    "skfer.transfer": [
        "METHODS",
        "PAPER_RATIOS",
        "PAPER_TABLES",
        "PretrainedClassifier",
        "make_protocol",
        "make_transfer_estimator",
        "run_transfer",
        "source_weights",
        "transfer_benchmark",
    ],
    "skfer.video": [
        "FaceTracker",
        "VIDEO_SUFFIXES",
        "VideoDecodeWarning",
        "VideoPredictions",
        "VideoReadError",
        "VideoReader",
        "analyse_video",
        "is_video_file",
        "make_face_video",
        "smooth_probabilities",
        "summarize_tracks",
        "write_annotated_video",
        "write_video",
    ],
    "skfer.weights": [
        "list_pretrained",
        "resolve_weights",
    ],
}

#: Names retired on purpose, each with where it went (see the changelog).
REMOVED = {
    # the weights layer cannot build an estimator without importing the layer
    # above it (an import circle): the function lives in skfer.classifier
    ("skfer.weights", "load_pretrained"): "skfer.load_pretrained",
}

PATHS = [(module, name) for module, names in BEFORE.items() for name in names]


@pytest.mark.parametrize("module, name", PATHS, ids=[f"{m}.{n}" for m, n in PATHS])
def test_public_name_still_imports(module, name):
    assert getattr(importlib.import_module(module), name) is not None


@pytest.mark.parametrize("module", sorted(BEFORE))
def test_public_names_stay_listed(module):
    listed = set(importlib.import_module(module).__all__)
    assert set(BEFORE[module]) <= listed


def test_old_and_new_homes_are_the_same_objects():
    import skfer
    from skfer.classifier import FERClassifier, load_pretrained

    assert skfer.FERClassifier is FERClassifier
    assert skfer.load_pretrained is load_pretrained


@pytest.mark.parametrize("module, name", sorted(REMOVED))
def test_retired_names_are_gone_and_their_home_works(module, name):
    assert name not in importlib.import_module(module).__all__
    with pytest.raises(ImportError):
        exec(f"from {module} import {name}")
    home, _, attr = REMOVED[module, name].rpartition(".")
    assert callable(getattr(importlib.import_module(home), attr))
