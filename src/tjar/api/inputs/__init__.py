"""Request bodies: the shapes integrators send, read into domain inputs."""
