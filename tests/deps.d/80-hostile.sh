# The hostile-input suite: strace proves the live run writes nothing; setpriv runs it as nobody;
# fusepy serves the FUSE root that stalls in the middle of the ASCII walk.
apt_need strace util-linux
apt_need python3-fusepy
