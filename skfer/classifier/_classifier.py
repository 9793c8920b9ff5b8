"""FERClassifier: a scikit-learn classifier around a skorch-trained CNN."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .. import __version__
from ..models import build_model
from ..onnx import export_onnx
from ..utils import (
    INPUT_SIZE,
    PRECISIONS,
    ImageBatches,
    change_prior,
    check_class_prior,
    check_device,
    check_units,
    class_counts,
    intra_op_threads,
    match_units,
    resolve_precision,
    rows_to_images,
    seeded,
    validate_images,
)
from ..weights import tensor_dict, write_weights
from ._batching import Scaling
from ._distributed import shared_seed
from ._inference import predict_proba_batches
from ._initialize import (
    check_subset,
    load_matched_state,
    pixel_stats,
    read_pretrained,
    resolve_architecture,
    resolve_classes,
)
from ._make_net import OPTIMIZERS, make_net, print_plain_unless_tty, silent
from ._net import TrainingDivergedError
from ._pickling import net_for_pickle, restore_net
from ._schedules import SCHEDULES
from ._training_state import continue_training, training_state
from ._validation_split import validation_split
from ._warm_start import check_partial_fit_params, warm_start_changes
from ._weighting import check_teacher_proba, training_weights

__all__ = ["FERClassifier", "resume_fit", "weights_meta"]


class FERClassifier(ClassifierMixin, BaseEstimator):
    """Facial expression classifier: one of skfer's CNNs trained with skorch.

    A scikit-learn estimator (``fit``/``predict``/``predict_proba``/``score``) that
    works in ``Pipeline``, ``cross_validate``, ``GridSearchCV``, ``VotingClassifier``,
    ``clone`` and ``joblib``. The network is built and trained in :meth:`fit`
    (fitted attribute ``net_``, a skorch net).

    **Input.** ``X`` holds one grayscale image per row: ``(n, 2304)`` flattened
    48x48 images or an ``(n, 48, 48)`` stack, uint8 (0-255) or float;
    ``(n, h, w, channels)`` colour arrays are converted to gray. A row of ``s*s``
    values is read as an ``s x s`` image and resized to 48x48; a model fitted on
    square images (every pretrained one) takes rows of any square size of at least
    16x16, so 128x128 crops can be passed directly. A row whose length is not a
    perfect square is zero-padded to the next square (with a
    :class:`~skfer.NonSquareImageWarning`). ``y`` holds labels of any hashable type.

    **Pixel units.** The model records the units it was trained in
    (``input_range_``: ``(0, 255)`` for 8-bit data, ``(0, 1)`` for floats in
    [0, 1]). At predict time, and when fine-tuning from ``pretrained`` or with
    ``warm_start``, float [0, 1] inputs given to a 0-255 model are multiplied by
    255 (and 0-255 inputs given to a [0, 1] model divided by 255), with an
    :class:`~skfer.InputUnitsWarning`; inputs that cannot be read in the model's
    units raise a ValueError. See :ref:`input-units`.

    **Fine-tuning.** ``pretrained`` (a registered name or a weights file) initializes
    every fit from saved weights; it is a plain parameter, so ``clone`` keeps it and
    each cross-validation fold starts from the same source weights. All layers are
    trained. The output layer is matched by class name: rows for classes the source
    knows are kept, others are freshly initialized, so a 7-emotion source fine-tunes
    on a target with only some (or other) emotions. With ``warm_start=True`` a second
    :meth:`fit` continues from the weights learned so far (fresh optimizer state,
    current ``lr``), and :meth:`partial_fit` runs one more epoch.

    Parameters
    ----------
    architecture : str, default=None
        Registered network: ``"model1"``, ``"model2"``, ``"model3"`` (the paper's),
        ``"small"`` (tiny, for tests and demos) or any name added with
        :func:`skfer.models.register_architecture`. ``None`` means the architecture
        of ``pretrained`` when given, else ``"model2"``.
    max_epochs : int, default=30
        Epochs of one :meth:`fit`.
    batch_size : int, default=128
        Mini-batch size for training and prediction.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd"} or torch optimizer class, default="adam"
        ``"sgd"`` uses Nesterov momentum 0.9.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    lr_schedule : {None, "cosine", "warmup_cosine", "onecycle", "plateau"}, \
            default=None
        ``"cosine"`` anneals the learning rate to 0 over ``max_epochs`` (set once
        per epoch); ``"warmup_cosine"`` rises linearly over the first 5 % of the
        steps, then anneals to 0 (set every batch); ``"onecycle"`` follows
        PyTorch's ``OneCycleLR`` with its defaults (up from ``lr / 25`` over 30 %
        of the steps, then down to ``lr / 2.5e5``); ``"plateau"`` multiplies the
        rate by 0.75 after 5 epochs without a better ``valid_acc`` (``train_loss``
        without validation). Schedules are computed from the epoch history, so a
        fit resumed from a checkpoint follows the same rates; each ``warm_start``
        fit starts its schedule afresh.
    label_smoothing : float, default=0.0
        Label smoothing of the cross-entropy loss.
    mixup_alpha : float, default=0.0
        Mixup: each training image is blended with another of its batch, with a
        weight drawn from ``Beta(mixup_alpha, mixup_alpha)``, and the loss mixes
        their labels the same way. 0 disables it; 0.2-1 are usual.
    cutmix_alpha : float, default=0.0
        CutMix: a box from another image of the batch is pasted in, the labels
        mixed by area. With both ``mixup_alpha`` and ``cutmix_alpha`` set, each
        batch uses one of the two at random.
    distillation_weight : float, default=0.5
        Knowledge distillation, used when :meth:`fit` gets ``teacher_proba`` (a
        teacher's probabilities for the training images, e.g. an ensemble's): the
        training targets become ``(1 - w) * labels + w * teacher_proba`` with ``w``
        this weight (label smoothing applies to the labels' share). Ignored
        without ``teacher_proba``.
    label_distribution_mode : {"crossentropy", "probability"}, default="crossentropy"
        How :meth:`fit` uses ``label_distribution`` (each image's distribution
        over the classes, e.g. the shares of FER+'s 10 votes), after FER+'s
        training modes (Barsoum et al. 2016): ``"crossentropy"`` trains towards
        the distribution (label smoothing applies to it), ``"probability"``
        draws one label per image from it at every epoch. Ignored without
        ``label_distribution``.
    ema_decay : float or None, default=None
        Keep an exponential moving average of the weights (decay per step, e.g.
        0.999) and use it for validation, early stopping, checkpoints and the
        fitted model; the optimizer trains the raw weights.
    grad_clip : float or None, default=None
        Clip the gradients' global L2 norm to this value before each step.
    augment : None, str or callable, default=None
        On-the-fly augmentation of every training batch (never at predict time):
        a preset name of :func:`skfer.augmentation.make_augmentation` (e.g.
        ``"paper"``, ``"standard"``) or a transform ``t(images, generator=...)`` on
        ``(n, 1, 48, 48)`` float tensors in [0, 1].
    tta : {None, "flip", "crops"}, default=None
        Test-time augmentation for ``predict``/``predict_proba``: ``"flip"`` averages
        the probabilities of each image and its mirror image; ``"crops"`` averages
        ten views: five crops of the image padded by 2 pixels (centre and the four
        corners, i.e. shifts of 2 pixels) and their mirror images (10 times the
        cost of a plain prediction).
    class_prior : None, "uniform" or array-like of shape (n_classes,), default=None
        The class frequencies expected where the model is used. The network
        learns the probabilities under its training labels' frequencies
        (``class_prior_``); another prior re-weights them by ``class_prior /
        class_prior_`` and renormalizes (Bayes' rule), after TTA. ``None`` keeps
        the training frequencies; ``"uniform"`` takes every class as equally
        likely, e.g. for posed-expression sets (CK+, JAFFE), where a model trained
        on FER2013 (1.5 % disgust) under-predicts disgust and sad; an array gives
        a prior per class of ``classes_`` (normalized). Needs a model that records
        its training labels (fitted by this version, or weights that store
        ``class_count``); not part of an ONNX export.
    warm_start : bool, default=False
        Whether :meth:`fit` continues from the current weights instead of starting
        afresh. If ``architecture``, ``pretrained`` or ``classes`` changed since
        the last fit, a new network is built instead, with a warning.
    pretrained : str or path-like, default=None
        Weights to start every fresh fit from: a name of
        :func:`skfer.list_pretrained` or a file written by :meth:`save_weights`.
    classes : array-like, default=None
        All class labels the model should know. ``None`` means those present in
        ``y`` at the first fit. Needed when a training set may lack some classes.
    class_weight : None, "balanced" or dict, default=None
        Weights of the classes in the training loss (multiplied by ``fit``'s
        ``sample_weight``): ``"balanced"`` gives each class present
        ``n_samples / (n_classes * count)``; a dict maps class labels to weights
        (others weigh 1). The validation loss stays unweighted.
    validation_fraction : float or None, default=0.1
        Fraction of the training data held out (stratified) to report
        ``valid_loss``/``valid_acc`` each epoch; ``None`` or 0 disables it. Ignored
        when ``X_val``/``y_val`` are passed to :meth:`fit`.
    early_stopping : bool, default=False
        Stop when ``valid_loss`` has not improved for ``n_iter_no_change`` epochs
        and restore the best weights. Needs a validation set.
    n_iter_no_change : int, default=10
        Patience of early stopping.
    precision : {"auto", "float32", "bfloat16"}, default="auto"
        Compute precision of forward passes (weights stay float32). ``"auto"``
        uses bfloat16 autocast on CPUs with native bfloat16 units (AVX-512 BF16 or
        AMX), float32 elsewhere, GPUs included (these small networks are faster in
        float32 there).
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``. Can be changed on a fitted model with
        ``set_params``; weights move on the next call.
    n_threads : int or None, default=None
        Torch intra-op threads used by this estimator's :meth:`fit`,
        :meth:`partial_fit`, :meth:`predict_proba` and :meth:`predict`; the
        previous setting is restored when each call returns. ``None`` leaves
        torch's setting as it is. In a search that fits several models at once
        (``GridSearchCV(n_jobs=2)``), ``n_threads = cores // n_jobs`` keeps the
        CPU from being oversubscribed. torch's setting is process-wide
        (:func:`skfer.utils.intra_op_threads`): estimators running at once in
        threads of one process should use the same value.
    keep_optimizer_state : bool, default=False
        Whether pickling a fitted model keeps the optimizer's state (Adam's
        moment estimates, twice the size of the weights). By default they are
        left out, so a pickle is about the size of the weights; a model loaded
        from it predicts identically, and ``warm_start`` fits (which start a
        fresh optimizer anyway) continue as they would have, but
        :meth:`partial_fit` restarts the optimizer's moments. Set it to ``True``
        to continue :meth:`partial_fit` exactly across a pickle; resuming from
        epoch checkpoints (:func:`skfer.classifier.fit_with_checkpoints`) is
        exact either way, since checkpoints save the optimizer state in their
        own files.
    callbacks : list of (str, skorch.callbacks.Callback), default=None
        Extra skorch callbacks (e.g. checkpointing).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, shuffling, dropout, augmentation and the
        validation split. An int gives identical results on the same machine.
    verbose : int, default=0
        0 silent, 1 one line per epoch, 2 also a progress bar per epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of pixels per row seen in :meth:`fit`.
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the torch module.
    history_ : list of dict
        One dict per epoch: ``epoch``, ``train_loss``, ``train_acc``, ``dur``,
        ``lr`` and, with validation, ``valid_loss``, ``valid_acc``.
    architecture_ : str
        The architecture actually built.
    input_range_ : tuple of float
        Pixel units the model was trained in: ``(0, 255)`` for 0-255 images,
        ``(0, 1)`` for floats in [0, 1], else the training data's range.
    pixel_mean_, pixel_std_ : float
        Standardization statistics of the [0, 1]-scaled training pixels.
    class_count_ : ndarray of shape (n_classes,) or None
        Count of each class in the training labels, weighted by ``sample_weight``
        and ``class_weight`` (summed over ``partial_fit`` calls); ``None`` for
        weights that do not record it.
    class_prior_ : ndarray of shape (n_classes,) or None
        ``class_count_`` as frequencies: the prior the probabilities assume.

    Examples
    --------
    >>> from skfer import FERClassifier
    >>> from skfer.datasets import make_faces
    >>> X, y = make_faces(n_samples=60, random_state=0, return_X_y=True)
    >>> clf = FERClassifier(architecture="small", max_epochs=2, random_state=0)
    >>> clf.fit(X, y).predict(X[:3]).shape
    (3,)
    >>> len(clf.history_), clf.classes_[:2].tolist()
    (2, ['angry', 'disgust'])
    """

    _parameter_constraints = {
        "architecture": [str, None],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "lr_schedule": [StrOptions(set(SCHEDULES)), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "mixup_alpha": [Interval(Real, 0, None, closed="left")],
        "cutmix_alpha": [Interval(Real, 0, None, closed="left")],
        "distillation_weight": [Interval(Real, 0, 1, closed="both")],
        "label_distribution_mode": [StrOptions({"crossentropy", "probability"})],
        "ema_decay": [Interval(Real, 0, 1, closed="neither"), None],
        "grad_clip": [Interval(Real, 0, None, closed="neither"), None],
        "augment": [str, callable, None],
        "tta": [StrOptions({"flip", "crops"}), None],
        "warm_start": ["boolean"],
        "pretrained": [str, os.PathLike, None],
        "classes": ["array-like", None],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "class_prior": [StrOptions({"uniform"}), "array-like", None],
        "validation_fraction": [Interval(Real, 0, 1, closed="left"), None],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "precision": [StrOptions(set(PRECISIONS))],
        "device": [str, torch.device],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "keep_optimizer_state": ["boolean"],
        "callbacks": [list, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        architecture: str | None = None,
        *,
        max_epochs: int = 30,
        batch_size: int = 128,
        lr: float = 1e-3,
        optimizer: str | type[torch.optim.Optimizer] = "adam",
        weight_decay: float = 0.0,
        lr_schedule: Literal["cosine", "warmup_cosine", "onecycle", "plateau"]
        | None = None,
        label_smoothing: float = 0.0,
        mixup_alpha: float = 0.0,
        cutmix_alpha: float = 0.0,
        distillation_weight: float = 0.5,
        label_distribution_mode: Literal[
            "crossentropy", "probability"
        ] = "crossentropy",
        ema_decay: float | None = None,
        grad_clip: float | None = None,
        augment: str | Callable[..., torch.Tensor] | None = None,
        tta: Literal["flip", "crops"] | None = None,
        class_prior: Literal["uniform"] | ArrayLike | None = None,
        warm_start: bool = False,
        pretrained: str | os.PathLike[str] | None = None,
        classes: ArrayLike | None = None,
        class_weight: Literal["balanced"] | Mapping[Any, float] | None = None,
        validation_fraction: float | None = 0.1,
        early_stopping: bool = False,
        n_iter_no_change: int = 10,
        precision: Literal["auto", "float32", "bfloat16"] = "auto",
        device: str = "cpu",
        n_threads: int | None = None,
        keep_optimizer_state: bool = False,
        callbacks: list[tuple[str, Any]] | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
        self.architecture = architecture
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.label_smoothing = label_smoothing
        self.mixup_alpha = mixup_alpha
        self.cutmix_alpha = cutmix_alpha
        self.distillation_weight = distillation_weight
        self.label_distribution_mode = label_distribution_mode
        self.ema_decay = ema_decay
        self.grad_clip = grad_clip
        self.augment = augment
        self.tta = tta
        self.class_prior = class_prior
        self.warm_start = warm_start
        self.pretrained = pretrained
        self.classes = classes
        self.class_weight = class_weight
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.precision = precision
        self.device = device
        self.n_threads = n_threads
        self.keep_optimizer_state = keep_optimizer_state
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    # Each way of training is its own step, as scikit-learn's MLP gives each
    # solver its method:
    #   fit -> _fit_new (a new network) or _fit_warm_start (warm_start=True);
    #   partial_fit -> _fit_new (first call, one epoch) or _partial_fit_continue;
    #   resume_fit (a checkpoint, ``_checkpoint.py``) -> _fit_warm_start with the
    #   saved training state.
    # They share the steps below them: _check_training_data, _training_split,
    # _training_images, the initialize steps, _run_epochs and _keep_net.
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        *,
        X_val: ArrayLike | None = None,
        y_val: ArrayLike | None = None,
        label_distribution: ArrayLike | None = None,
        teacher_proba: ArrayLike | None = None,
    ) -> FERClassifier:
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w)
            Grayscale images, one per row (see the class description for the
            accepted layouts and units).
        y : array-like of shape (n_samples,)
            Labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the training loss (multiplied by
            ``class_weight``). The validation loss stays unweighted. Routed by
            scikit-learn's metadata routing (``set_fit_request``).
        X_val, y_val : array-like, default=None
            An explicit validation set (e.g. FER2013's PublicTest) used for
            ``valid_loss``/``valid_acc`` and early stopping instead of a split of
            ``X``.
        label_distribution : array-like of shape (n_samples, n_classes), default=None
            Soft labels: each image's distribution over the classes (columns in
            the order of ``np.unique(y)``, or of ``classes`` when set), e.g. the
            shares of FER+'s votes (``load_ferplus(...).label_distribution``).
            The network learns them instead of the one-hot ``y`` as set by
            ``label_distribution_mode``; ``y`` (e.g. the majority label) still
            gives the classes, the validation labels and ``class_weight``.
            Routed like ``sample_weight`` (``set_fit_request``), so it works in
            ``Pipeline``, ``cross_validate`` and ``GridSearchCV``.
        teacher_proba : array-like of shape (n_samples, n_classes), default=None
            A teacher's class probabilities for the rows of ``X`` (columns as for
            ``label_distribution``), e.g. an ensemble's ``predict_proba(X)``:
            the network is trained towards them as well as the labels (see
            ``distillation_weight``).

        Returns
        -------
        self : FERClassifier
        """
        per_sample = dict(
            sample_weight=sample_weight,
            label_distribution=label_distribution,
            teacher_proba=teacher_proba,
        )
        if self._can_warm_start():
            return self._fit_warm_start(
                X, y, X_val, y_val, epochs=self.max_epochs, **per_sample
            )
        return self._fit_new(X, y, X_val, y_val, epochs=self.max_epochs, **per_sample)

    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
        *,
        label_distribution: ArrayLike | None = None,
    ) -> FERClassifier:
        """Train for one more epoch on ``(X, y)``, keeping weights and optimizer state.

        The first call builds the network (from ``pretrained`` if set); ``classes``
        (or the ``classes`` parameter) must then list every label if ``y`` lacks
        some. No validation split is made, so ``early_stopping`` is ignored (with
        a warning).

        Returns
        -------
        self : FERClassifier
        """
        check_partial_fit_params(self)
        per_sample = dict(
            sample_weight=sample_weight, label_distribution=label_distribution
        )
        if hasattr(self, "net_"):
            return self._partial_fit_continue(X, y, classes, **per_sample)
        # the first call: a new network, one epoch, no validation split, and a
        # schedule that counts the epochs of the calls to come
        return self._fit_new(
            X,
            y,
            None,
            None,
            epochs=1,
            classes=classes,
            validation=False,
            schedule_origin=0,
            **per_sample,
        )

    def _can_warm_start(self):
        """Whether ``fit`` continues the fitted network (warns when it cannot)."""
        if not (self.warm_start and hasattr(self, "net_")):
            return False
        before = getattr(self, "_fitted_pretrained", self.pretrained)
        changes = warm_start_changes(self, before)
        if changes:
            warnings.warn(
                f"warm_start=True, but {changes} since the last fit; the fitted "
                "network cannot continue, so a new one is built.",
                UserWarning,
                stacklevel=3,
            )
        return not changes

    def _fit_new(
        self,
        X,
        y,
        X_val,
        y_val,
        *,
        epochs,
        classes=None,
        validation=True,
        schedule_origin=None,
        **per_sample,
    ):
        """Train a new network (from ``pretrained`` when set) for ``epochs`` epochs.

        On a diverged training the estimator is left unfitted.
        """
        device, X, y = self._check_training_data(X, y, reset=True)
        state, meta = read_pretrained(self.pretrained)
        if meta is not None:
            X = match_units(
                X,
                tuple(meta["input_range"]),
                what=f"the pretrained model {self.pretrained!r}",
            )
        self._initialize_classes(meta, y, classes)
        split = self._training_split(X, y, X_val, y_val, validation, **per_sample)
        self._initialize_pixel_stats(meta, split.X_tr)
        self._set_class_count(split.class_counts(len(self.classes_)))
        images_tr, images_va = self._training_images(split, device)
        with seeded(split.seed, device), intra_op_threads(self._n_threads()):
            module = self._initialize_module(device, state, meta)
            net = self._initialize_training_net(
                module, device, split, images_va, schedule_origin
            )
            try:
                self._run_epochs(net, images_tr, split.y_tr, epochs, device)
            except TrainingDivergedError:
                _forget_fit(self)
                raise
        return self._keep_net(net)

    def _fit_warm_start(
        self, X, y, X_val, y_val, *, epochs, resume_state=None, **per_sample
    ):
        """Train the fitted network ``epochs`` more epochs, with a new optimizer.

        ``resume_state`` (of :func:`~._training_state.training_state`) makes it
        continue an interrupted fit exactly instead: optimizer, schedule, weight
        average and random generator. On a diverged training the network is
        left with its weights from before (see ``DivergenceGuard``).
        """
        device, X, y = self._check_training_data(X, y, reset=False)
        X = match_units(X, self.input_range_, what="the fitted model")
        split = self._training_split(X, y, X_val, y_val, True, **per_sample)
        self._set_class_count(split.class_counts(len(self.classes_)))
        images_tr, images_va = self._training_images(split, device)
        with seeded(split.seed, device), intra_op_threads(self._n_threads()):
            module = _to_device(self.net_.module_, device)
            net = self._initialize_training_net(module, device, split, images_va)
            net.history = self.net_.history
            if resume_state is not None:
                continue_training(net, resume_state)
            self._run_epochs(net, images_tr, split.y_tr, epochs, device)
        return self._keep_net(net)

    def _partial_fit_continue(self, X, y, classes, **per_sample):
        """One more epoch of the fitted network, its optimizer state kept."""
        device, X, y = self._check_training_data(X, y, reset=False)
        X = match_units(X, self.input_range_, what="the fitted model")
        if classes is not None:
            self._check_labels_known(np.asarray(classes), "classes")
        split = self._training_split(X, y, None, None, False, **per_sample)
        counts = split.class_counts(len(self.classes_))
        if getattr(self, "class_count_", None) is not None:
            counts += self.class_count_
        self._set_class_count(counts)
        images_tr, images_va = self._training_images(split, device)
        with seeded(split.seed, device), intra_op_threads(self._n_threads()):
            module = _to_device(self.net_.module_, device)
            net = self._initialize_training_net(module, device, split, images_va, 0)
            net.history = self.net_.history
            continue_training(net, training_state(self.net_, rng=False))
            self._run_epochs(net, images_tr, split.y_tr, 1, device)
        return self._keep_net(net)

    # ------------------------------------------------- steps the modes share
    def _check_training_data(self, X, y, *, reset):
        """``(device, X, y)`` checked; ``reset``: a new fit, ``n_features_in_``."""
        self._validate_params()
        device = check_device(self.device)
        X, y = validate_images(self, X, y, reset=reset)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        return device, X, y

    def _training_split(
        self,
        X,
        y,
        X_val,
        y_val,
        validation,
        *,
        sample_weight=None,
        label_distribution=None,
        teacher_proba=None,
    ):
        """The training rows (and validation rows, unless not ``validation``)."""
        self._check_labels_known(y, "y")
        y_codes = np.searchsorted(self.classes_, y)
        weights = training_weights(
            X, y_codes, self.classes_, sample_weight, self.class_weight
        )
        teacher = check_teacher_proba(teacher_proba, len(X), self.classes_)
        distribution = check_teacher_proba(
            label_distribution, len(X), self.classes_, name="label_distribution"
        )
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        # data-parallel: every process uses the first process's seed
        seed = shared_seed(seed, check_device(self.device))
        per_sample = (weights, teacher, distribution)
        if X_val is not None or y_val is not None:
            parts = self._explicit_validation(X, y_codes, X_val, y_val, per_sample)
        elif validation:
            parts = validation_split(
                X, y_codes, self.validation_fraction, seed, per_sample
            )
        else:
            parts = X, y_codes, None, None, per_sample
        if self.early_stopping and parts[2] is None and validation:
            raise ValueError(
                "early_stopping=True needs a validation set: set validation_fraction "
                "(e.g. 0.1) or pass X_val and y_val to fit."
            )
        X_tr, y_tr, X_va, y_va, (w_tr, q_tr, d_tr) = parts
        return _Split(X_tr, y_tr, X_va, y_va, w_tr, q_tr, d_tr, seed, X_val is not None)

    def _explicit_validation(self, X, y, X_val, y_val, per_sample):
        """The training rows and ``X_val``/``y_val`` (labels as class codes)."""
        if X_val is None or y_val is None:
            raise ValueError("Pass both X_val and y_val, or neither.")
        X_va = validate_images(self, X_val, reset=False)
        y_va = column_or_1d(y_val, warn=True)
        if len(y_va) != len(X_va):
            raise ValueError(
                f"X_val has {len(X_va)} rows but y_val has {len(y_va)} labels."
            )
        self._check_labels_known(y_va, "y_val")
        return X, y, X_va, np.searchsorted(self.classes_, y_va), per_sample

    def _training_images(self, split, device):
        """Training and validation images as tensors on ``device``.

        On a GPU the images live on it for the whole fit: batches are sliced and
        augmented there, with no host-to-device copy per batch.
        """
        X_va = split.X_va
        if split.explicit_validation:
            X_va = match_units(X_va, self.input_range_, name="X_val")
        images_tr = rows_to_images(split.X_tr, self.input_range_).to(device)
        images_va = None
        if X_va is not None:
            images_va = rows_to_images(X_va, self.input_range_).to(device)
        return images_tr, images_va

    def _initialize_training_net(
        self, module, device, split, images_va, schedule_origin=None
    ):
        """The skorch net that trains ``module`` on ``split``."""
        return self._initialize_net(
            module,
            device,
            images_va,
            split.y_va,
            n_train=len(split.y_tr),
            schedule_origin=schedule_origin,
            sample_weight=split.sample_weight,
            teacher_proba=split.teacher_proba,
            label_distribution=split.label_distribution,
        )

    @staticmethod
    def _run_epochs(net, images, y, epochs, device):
        y_tensor = torch.as_tensor(y, dtype=torch.long, device=device)
        net.partial_fit(images, y_tensor, epochs=epochs)

    def _keep_net(self, net):
        """Keep the trained ``net`` as ``net_`` and its history as ``history_``."""
        # Neither the validation data nor per-sample data are pickled with the model.
        net.train_split = None
        net.iterator_train__sample_weight = None
        net.iterator_train__teacher_proba = None
        net.iterator_train__label_distribution = None
        self.net_ = net
        self.history_ = [
            {k: v for k, v in row.items() if k != "batches"} for row in net.history
        ]
        return self

    # ---------------------------------------------------------- initialization
    # The steps that give a new network its state, in this order, as skorch's
    # ``initialize()`` does; a new fit (``_fit_new``) and ``from_weights`` run
    # the same steps:
    #   pretrained weights -> architecture and classes -> pixel statistics ->
    #   module -> skorch net (optimizer, callbacks).
    def _initialize_classes(self, meta, y=None, classes=None):
        """``architecture_`` and ``classes_``: from the labels, or the weights."""
        self.architecture_ = resolve_architecture(
            self.architecture, meta, self.pretrained
        )
        if y is None:
            self.classes_ = np.asarray(meta["classes"])
        else:
            known = classes if classes is not None else self.classes
            self.classes_ = resolve_classes(y, known)
        self._fitted_pretrained = self.pretrained

    def _set_class_count(self, counts):
        """``class_count_`` and ``class_prior_`` (both ``None`` when unknown)."""
        if counts is None or not np.sum(counts) > 0:
            self.class_count_ = self.class_prior_ = None
            return
        self.class_count_ = np.asarray(counts, dtype=float)
        self.class_prior_ = self.class_count_ / self.class_count_.sum()

    def _initialize_pixel_stats(self, meta, X=None):
        """``input_range_``, ``pixel_mean_``, ``pixel_std_``: the weights', or of X."""
        if meta is not None:
            self.input_range_ = tuple(meta["input_range"])
            self.pixel_mean_ = float(meta["pixel_mean"])
            self.pixel_std_ = float(meta["pixel_std"])
            return
        self.input_range_, self.pixel_mean_, self.pixel_std_ = pixel_stats(X)

    def _initialize_module(self, device, state=None, meta=None, *, strict=False):
        """A new network of ``architecture_``, with the pretrained weights if any.

        ``strict``: the weights are this model's own (``from_weights``); otherwise
        the body is copied and the output rows matched by class label.
        """
        module = build_model(self.architecture_, n_classes=len(self.classes_))
        if state is not None and strict:
            module.load_state_dict(state)
        elif state is not None:
            load_matched_state(
                module,
                state,
                meta,
                self.classes_,
                pretrained=self.pretrained,
                architecture=self.architecture_,
            )
        return _to_device(module, device)

    def _initialize_net(self, module, device, images_va=None, y_va=None, **kwargs):
        """The skorch net around ``module``, initialized (optimizer, callbacks)."""
        net = make_net(
            self,
            module,
            device,
            resolve_precision(self.precision, device),
            self._scaling(),
            images_va,
            y_va,
            **kwargs,
        )
        net.initialize()
        return net

    def _initialize_from_weights(self):
        """Every initialize step from ``pretrained`` alone: a fitted estimator."""
        self._validate_params()
        device = check_device(self.device)
        state, meta = read_pretrained(self.pretrained)
        self._initialize_classes(meta)
        self._initialize_pixel_stats(meta)
        self._set_class_count(meta.get("class_count"))
        self.n_features_in_ = int(meta.get("n_features_in", INPUT_SIZE * INPUT_SIZE))
        module = self._initialize_module(device, state, meta, strict=True)
        self.net_ = self._initialize_net(module, device)
        self.history_ = []
        return self

    def _scaling(self):
        return Scaling.of(self)

    # --------------------------------------------------------- label handling
    def _check_labels_known(self, labels, name):
        check_subset(labels, self.classes_, name, "classes_")

    def save_weights(self, path: str | os.PathLike[str], **card: Any) -> Path:
        """Write the fitted weights and what is needed to use them to ``path``.

        The file is safetensors: loading it never executes code. It holds the
        module's tensors plus the architecture, classes and pixel scaling, so that
        ``FERClassifier(pretrained=path)`` or :meth:`from_weights` can use it.
        The write is atomic (a temporary file renamed into place).

        Parameters
        ----------
        path : str or path-like
            Destination file (conventionally ``*.safetensors``).
        **card
            Extra JSON-serializable information stored in the file's metadata
            (e.g. ``dataset="fer2013"``, ``accuracy=0.7``).

        Returns
        -------
        path : pathlib.Path
        """
        check_is_fitted(self)
        return write_weights(
            path, tensor_dict(self.net_.module_), weights_meta(self, **card)
        )

    @classmethod
    def from_weights(
        cls, weights: str | os.PathLike[str], **params: Any
    ) -> FERClassifier:
        """Build a fitted classifier from weights (a registered name or a file).

        Parameters
        ----------
        weights : str or path-like
            A name of :func:`skfer.list_pretrained` or a file written by
            :meth:`save_weights`.
        **params
            Other constructor parameters (e.g. ``device``, ``tta``).

        Returns
        -------
        clf : FERClassifier
            Ready to ``predict``; ``pretrained=weights``, so ``clone(clf).fit(...)``
            fine-tunes from the same weights.
        """
        if not isinstance(weights, (str, os.PathLike)):
            raise TypeError(
                "weights must be a name of skfer.list_pretrained() or the path of a "
                f"weights file; got {weights!r} ({type(weights).__name__})."
            )
        return cls(pretrained=weights, **params)._initialize_from_weights()

    def to_onnx(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted model as an ONNX file (see :func:`skfer.onnx.export_onnx`).

        Float32 images ``(n, 48, 48)`` in the training units in, probabilities out;
        pixel scaling inside, TTA outside; run it with
        :class:`skfer.onnx.ONNXClassifier` (no torch needed) or onnxruntime.

        Parameters
        ----------
        path : str or path-like
            Destination file (conventionally ``*.onnx``), written atomically.

        Returns
        -------
        path : pathlib.Path
            The ONNX file written, as :func:`skfer.onnx.export_onnx` returns it.

        Examples
        --------
        >>> import os, tempfile
        >>> from skfer import load_pretrained
        >>> out = os.path.join(tempfile.mkdtemp(), "m2.onnx")
        >>> load_pretrained("fer2013-model2").to_onnx(out).name
        'm2.onnx'
        """
        return export_onnx(self, path)

    # --------------------------------------------------------------- prediction
    def _module_for_inference(self):
        device = check_device(self.device)
        module = self.net_.module_
        if next(module.parameters()).device != device:
            module = module.to(device)
            self.net_.module_ = module
            self.net_.device = str(device)
        if module.training:  # eval() walks the whole module tree
            module.eval()
        return module, device

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities of each image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        if not hasattr(self, "net_"):  # the full check (tags, attributes) costs more
            check_is_fitted(self)  # than a small network's forward pass: raises
        X = validate_images(self, X, reset=False)
        # units decided row by row; rows converted a batch at a time
        scale = check_units(X, self.input_range_)
        images = ImageBatches(X, self.input_range_, scale=scale)
        module, device = self._module_for_inference()
        dtype = resolve_precision(self.precision, device)
        with intra_op_threads(self._n_threads()):
            proba = predict_proba_batches(
                self.net_.inference_copy(module, dtype, device),
                images,
                scaling=self._scaling(),
                dtype=dtype,
                device=device,
                batch_size=max(self._batch_size(), 256),
                tta=self.tta,
            )
        proba = proba.numpy().astype(np.float64)
        prior = check_class_prior(self.class_prior, self.classes_)
        if prior is None:
            return proba
        if getattr(self, "class_count_", None) is None:
            raise ValueError(
                "class_prior needs the class frequencies of the model's training "
                "labels, which its weights do not record (written before they were "
                "stored); fit the model again, or use class_prior=None."
            )
        return change_prior(proba, prior, self.class_count_)

    def _batch_size(self):
        """``batch_size``, checked here too: ``predict`` skips ``_validate_params``."""
        n = self.batch_size
        if not (isinstance(n, Integral) and not isinstance(n, bool) and n >= 1):
            raise ValueError(f"batch_size must be a positive int; got {n!r}.")
        return int(n)

    def _n_threads(self):
        """``n_threads``, checked here too: ``predict`` skips ``_validate_params``."""
        n = self.n_threads
        if n is not None and not (
            isinstance(n, Integral) and not isinstance(n, bool) and n >= 1
        ):
            raise ValueError(f"n_threads must be a positive int or None; got {n!r}.")
        return n

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Logarithm of the class probabilities of each image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``; columns follow ``classes_``.

        Examples
        --------
        >>> import numpy as np
        >>> from skfer import FERClassifier
        >>> from skfer.datasets import make_faces
        >>> X, y = make_faces(n_samples=40, random_state=0, return_X_y=True)
        >>> clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
        >>> log_proba = clf.predict_log_proba(X[:2])
        >>> np.allclose(np.exp(log_proba), clf.predict_proba(X[:2]))
        True
        """
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):  # a probability of 0 is log 0 = -inf
            return np.log(proba, out=proba)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Most probable class of each image.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        # (n, h, w) stacks of images are accepted as well as flattened rows
        tags.input_tags.three_d_array = True
        return tags

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: the model itself is unchanged
        if "net_" in state:  # see _pickling: about the size of the weights
            state["net_"], state["_net_extras"] = net_for_pickle(
                state["net_"],
                keep_optimizer_state=getattr(self, "keep_optimizer_state", False),
            )
        return state

    def __setstate__(self, state):
        extras = state.pop("_net_extras", None)
        super().__setstate__(state)
        if extras is not None:
            restore_net(self.net_, extras)


def weights_meta(estimator: Any, **card: Any) -> dict[str, Any]:
    """What a weights file of ``estimator`` stores beside the tensors.

    The metadata of :meth:`FERClassifier.save_weights`, of the epoch checkpoints
    and of :func:`skfer.save_vote`, from the attributes a fit sets before
    training starts (``architecture_``, ``classes_``, ``input_range_``,
    ``pixel_mean_``, ``pixel_std_``, ``n_features_in_``, ``class_count_``).

    Parameters
    ----------
    estimator : FERClassifier or object
        Anything with those attributes.
    **card
        JSON-serializable information stored under ``"card"``.

    Returns
    -------
    meta : dict
        For :func:`skfer.weights.write_weights`.

    Examples
    --------
    >>> from skfer import FERClassifier
    >>> from skfer.classifier import weights_meta
    >>> from skfer.datasets import make_faces
    >>> X, y = make_faces(n_samples=20, classes=["happy", "sad"], random_state=0,
    ...                   return_X_y=True)
    >>> clf = FERClassifier("small", max_epochs=1).fit(X, y)
    >>> meta = weights_meta(clf, dataset="synthetic")
    >>> meta["architecture"], meta["classes"], meta["card"]
    ('small', ['happy', 'sad'], {'dataset': 'synthetic'})
    """
    class_count = getattr(estimator, "class_count_", None)
    return {
        "architecture": estimator.architecture_,
        "classes": estimator.classes_.tolist(),
        "input_range": list(estimator.input_range_),
        "pixel_mean": estimator.pixel_mean_,
        "pixel_std": estimator.pixel_std_,
        "n_features_in": int(estimator.n_features_in_),
        **({"class_count": class_count.tolist()} if class_count is not None else {}),
        "skfer_version": __version__,
        "card": dict(card),
    }


def resume_fit(estimator, X, y, X_val, y_val, state, *, epochs, **per_sample):
    """Continue ``estimator``'s interrupted fit exactly, for ``epochs`` epochs.

    ``estimator`` holds the checkpoint's weights and history (see
    ``_checkpoint.py``); ``state`` is the training state saved with them
    (:func:`~._training_state.training_state`): the resume step is a warm start
    that first restores the optimizer, schedule, weight average and generator.
    ``per_sample``: ``sample_weight``, ``label_distribution``, ``teacher_proba``.
    """
    return estimator._fit_warm_start(
        X, y, X_val, y_val, epochs=epochs, resume_state=state, **per_sample
    )


def _forget_fit(estimator):
    """Remove what a failed fresh fit set: the estimator is unfitted again."""
    for key in [
        k for k in vars(estimator) if k.endswith("_") or k == "_fitted_pretrained"
    ]:
        if not key.startswith("__"):
            delattr(estimator, key)


def _to_device(module, device):
    return module.to(device).to(memory_format=torch.channels_last)


@dataclass(frozen=True)
class _Split:
    """The rows one fit trains on, its validation rows, and the seed it draws."""

    X_tr: np.ndarray
    y_tr: np.ndarray  # class codes
    X_va: np.ndarray | None
    y_va: np.ndarray | None
    sample_weight: np.ndarray | None
    teacher_proba: np.ndarray | None
    label_distribution: np.ndarray | None
    seed: int
    explicit_validation: bool  # X_val, y_val given (else a split or none)

    def class_counts(self, n_classes):
        return class_counts(self.y_tr, n_classes, self.sample_weight)


# Pickles of fitted models name the print sinks of their callbacks here.
_print_plain_unless_tty = print_plain_unless_tty
_silent = silent
