"""Why ReLU? A reproducible study of activation functions in deep MLPs."""
