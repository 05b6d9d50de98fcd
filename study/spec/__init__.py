"""What is trained: profiles, experiments and their grids of groups (`GroupSpec`), the settings they repeat
in, and the activations and data sets a group names. The lowest layer: it imports no other part of the study."""

from study.spec.config import GroupSpec

__all__ = ["GroupSpec"]
