"""Hosted inference: the Inference API, pipelines loaded by workers, and the model widgets."""
