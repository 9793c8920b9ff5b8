import subprocess
import sys

import pytest

from skfer.plotting import plot_faces, save_figure


def test_writes_png_in_new_folders_and_closes(tmp_path, faces):
    import matplotlib.pyplot as plt

    X, y = faces
    fig = plot_faces(X[:4], y[:4])
    path = save_figure(fig, tmp_path / "a" / "b" / "faces.png")
    assert path == tmp_path / "a" / "b" / "faces.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert fig.number not in plt.get_fignums()


def test_png_suffix_added_and_dpi_used(tmp_path, faces):
    from matplotlib.image import imread

    X, _ = faces
    fig = plot_faces(X[:1])
    width_in = fig.get_figwidth()
    path = save_figure(fig, str(tmp_path / "face"), dpi=50, bbox_inches=None)
    assert path.suffix == ".png" and path.exists()
    assert imread(path).shape[1] == round(width_in * 50)


def test_rejects_non_figure(tmp_path):
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure; got list"):
        save_figure([], tmp_path / "x.png")


def test_importing_skfer_metrics_and_plotting_does_not_import_matplotlib():
    code = (
        "import sys, skfer.metrics, skfer.plotting; "
        "assert 'matplotlib' not in sys.modules, sorted(m for m in sys.modules "
        "if m.startswith('matplotlib'))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
