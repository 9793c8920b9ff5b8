"""A grid of face images with optional labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from numpy.typing import ArrayLike

from ._base import _check_per_image, _face_grid, _pyplot, _show_face

if TYPE_CHECKING:
    from matplotlib.colors import Colormap
    from matplotlib.figure import Figure

__all__ = ["plot_faces"]


def plot_faces(
    images: ArrayLike,
    labels: Sequence[Any] | None = None,
    *,
    ncols: int = 8,
    image_shape: tuple[int, int] | None = None,
    title: str | None = None,
    cmap: str | Colormap = "gray",
) -> Figure:
    """Draw grayscale faces in a grid, each with an optional label above it.

    Parameters
    ----------
    images : array-like
        Faces as flattened rows ``(n, 2304)``, images ``(n, 48, 48)`` or one image
        ``(48, 48)`` / ``(2304,)``. Integer images are shown on the 0..255 scale,
        float images in [0, 1] on 0..1, other float images (e.g. standardized)
        each on its own range.
    labels : sequence, default=None
        One label per face, shown as its title (e.g. ``y`` or predictions).
    ncols : int, default=8
        Number of faces per row (fewer when there are fewer faces).
    image_shape : tuple of int (height, width), default=None
        Shape of each image, for flattened images that are not square or a 2-D
        array that is ambiguous; ``None`` infers it.
    title : str, default=None
        Title of the figure.
    cmap : str or matplotlib Colormap, default="gray"
        Colormap of the images.

    Returns
    -------
    fig : matplotlib Figure
        The figure, with one Axes per face.

    See Also
    --------
    plot_emotion_analysis : Faces beside their predicted class probabilities.

    Examples
    --------
    >>> from skfer.datasets import make_faces
    >>> from skfer.plotting import plot_faces
    >>> X, y = make_faces(n_samples=14, random_state=0, return_X_y=True)
    >>> fig = plot_faces(X, y, ncols=7, title="make_faces")
    >>> len(fig.axes), fig.axes[0].get_title() == y[0]
    (14, True)
    """
    faces, nrows, ncols, (vmin, vmax) = _face_grid(images, image_shape, ncols)
    labels = _check_per_image(labels, len(faces), "labels")

    plt = _pyplot()
    extra = 0.4 if title is not None else 0.0
    fig = plt.figure(figsize=(1.5 * ncols, 1.7 * nrows + extra), layout="constrained")
    grid = fig.add_gridspec(nrows, ncols)
    for i, face in enumerate(faces):
        ax = fig.add_subplot(grid[i // ncols, i % ncols])
        _show_face(ax, face, vmin, vmax, cmap)
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=9)
    if title is not None:
        fig.suptitle(title)
    return fig
