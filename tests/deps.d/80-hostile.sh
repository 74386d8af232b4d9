# The hostile-input suite: strace proves the live run writes nothing; setpriv runs it as nobody.
apt_need strace util-linux
