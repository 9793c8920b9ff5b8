"""Pretrained weights shipped with skfer (safetensors) and their registry."""

from ._registry import list_pretrained, load_pretrained, resolve_weights

__all__ = ["list_pretrained", "load_pretrained", "resolve_weights"]
