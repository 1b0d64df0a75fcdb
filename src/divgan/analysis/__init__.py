"""Analyses of a trained generator, the lecture's GAN cons turned into tools: memorisation (nearest
training neighbours), inversion (recovering z for an image) and latent walks."""
