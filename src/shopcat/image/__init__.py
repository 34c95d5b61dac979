"""Image side: offline weights, backbones, image datasets, feature probes and fine-tuning, Grad-CAM."""
