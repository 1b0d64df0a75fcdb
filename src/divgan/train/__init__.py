"""Training: the GAN algorithm (trainer), run directories, checkpoints, distributed set-up."""
