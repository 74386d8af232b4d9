# Base tools the foundation's tests use: python3 for the distro-corpus oracle.
apt_need ca-certificates
# free (procps) for azure.vm-size's live differential (getconf comes with libc-bin).
apt_need procps
