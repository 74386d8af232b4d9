# Base tools the foundation's tests use: python3 for the distro-corpus oracle.
apt_need ca-certificates
