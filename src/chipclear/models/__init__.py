"""AI models and their weights (ECCN 4E091): a sourced model catalog and a dated, cited classification."""

from chipclear.models.loader import ModelCatalog, load_model_spec, load_models
from chipclear.models.schema import AIModel, Compute

__all__ = ["AIModel", "Compute", "ModelCatalog", "load_model_spec", "load_models"]
