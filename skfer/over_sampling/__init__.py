"""imbalanced-learn samplers that balance classes with augmented copies of images.

They act only in ``fit`` inside an :class:`imblearn.pipeline.Pipeline`, never at
predict time.
"""

from ._augmentation_over_sampler import AugmentationOverSampler

__all__ = ["AugmentationOverSampler"]
