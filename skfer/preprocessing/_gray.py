"""Colour to 8-bit gray, without scikit-learn: the face search uses it too.

Kept apart from :class:`~skfer.preprocessing.Grayscale` (a scikit-learn
transformer) so that finding faces, as the torch-free install does, imports
neither scikit-learn nor torch.
"""

import numpy as np

# ITU-R BT.601 luma, the weights of Pillow's ``convert("L")``.
_LUMA = np.array([0.299, 0.587, 0.114])


def _to_gray(image):
    if image.ndim == 2:
        return image
    channels = image.shape[2]
    if channels in (1, 2):  # gray, or gray + alpha
        return image[:, :, 0]
    return np.rint(image[:, :, :3] @ _LUMA).astype(np.uint8)
