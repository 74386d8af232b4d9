#!/usr/bin/python3
# The oracle of tests/suite/network_root.rs nm_keyfile_differential: libnm's own keyfile reader
# (gir1.2-nm-1.0 through python3-gi; no daemon) on each file named on the command line, as
# NetworkManager's keyfile plugin reads one: GKeyFile loads it, nm_keyfile_read makes the
# profile, a missing id/uuid is filled in (the daemon derives them from the file name), and
# the profile must normalize, else NetworkManager does not load it. One JSON line per file.
import json
import sys
import uuid

import gi

gi.require_version("NM", "1.0")
from gi.repository import GLib, NM  # noqa: E402


def addresses(s):
    if s is None:
        return []
    out = []
    for i in range(s.get_num_addresses()):
        a = s.get_address(i)
        out.append("%s/%d" % (a.get_address(), a.get_prefix()))
    return out


def read(path):
    kf = GLib.KeyFile()
    try:
        kf.load_from_file(path, GLib.KeyFileFlags.NONE)
    except GLib.Error as e:
        return {"loaded": False, "why": "keyfile: " + e.message}
    try:
        c = NM.keyfile_read(kf, "/etc/NetworkManager/system-connections",
                            NM.KeyfileHandlerFlags.NONE, None, None)
    except GLib.Error as e:
        return {"loaded": False, "why": "read: " + e.message}
    s = c.get_setting_connection()
    if s is None:
        s = NM.SettingConnection.new()
        c.add_setting(s)
    if not s.get_id():
        s.set_property("id", path.rsplit("/", 1)[-1])
    if not s.get_uuid():
        s.set_property("uuid", str(uuid.uuid5(uuid.NAMESPACE_URL, path)))
    try:
        c.normalize()
    except GLib.Error as e:
        return {"loaded": False, "why": "invalid: " + e.message}
    s = c.get_setting_connection()
    ip4, ip6 = c.get_setting_ip4_config(), c.get_setting_ip6_config()
    return {
        "loaded": True,
        "autoconnect": s.get_autoconnect(),
        "interface": s.get_interface_name(),
        "controller": s.get_master(),
        "method4": ip4.get_method() if ip4 else None,
        "method6": ip6.get_method() if ip6 else None,
        "addresses": addresses(ip4) + addresses(ip6),
    }


for p in sys.argv[1:]:
    r = read(p)
    r["file"] = p
    print(json.dumps(r))
