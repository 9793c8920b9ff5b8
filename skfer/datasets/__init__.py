"""Dataset loaders (FER2013, CK+, JAFFE, image folders) and synthetic faces."""

from ._synthetic import make_faces
from ._vocabulary import EMOTIONS

__all__ = ["EMOTIONS", "make_faces"]
