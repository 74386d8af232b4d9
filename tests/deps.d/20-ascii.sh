# ascii.* tests: ca-certificates ships this machine's real non-ASCII names (the NetLock
# certificate); find is the oracle for the scan; findmnt, unshare and setpriv (util-linux,
# mount) build and read the private mount namespace and run the scan as nobody; script
# (bsdutils) gives the progress test a terminal; gcc and the kernel headers build the
# seccomp wrapper that hides system calls newer than Linux 2.6.32.
apt_need ca-certificates findutils util-linux mount bsdutils gcc libc6-dev linux-libc-dev
