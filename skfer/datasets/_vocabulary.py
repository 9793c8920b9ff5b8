"""The canonical emotion vocabulary shared by every loader."""

__all__ = ["EMOTIONS"]

#: The seven basic emotions, in FER2013's label order (0=angry ... 6=neutral).
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
