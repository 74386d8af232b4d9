//! The keywords sshd knows, and where: sshd refuses to start on a keyword it does not know
//! ("Bad configuration option"), a keyword without an argument, a keyword of the global part
//! inside a `Match` block, and a yes/no keyword with another value. The lists were taken from
//! Debian 12's OpenSSH 9.2 itself (every keyword of its sshd_config(5) and binary tried with
//! `sshd -T`, outside and inside a Match block) and extended by keywords of later releases
//! and of Red Hat's patched OpenSSH, so a newer or patched sshd is never said to refuse them.

/// Keywords allowed inside a `Match` block (and everywhere).
const MATCH_ALLOWED: &[&str] = &[
    "acceptenv",
    "allowagentforwarding",
    "allowgroups",
    "allowstreamlocalforwarding",
    "allowtcpforwarding",
    "allowusers",
    "authenticationmethods",
    "authorizedkeyscommand",
    "authorizedkeyscommanduser",
    "authorizedkeysfile",
    "authorizedkeysfile2",
    "authorizedprincipalscommand",
    "authorizedprincipalscommanduser",
    "authorizedprincipalsfile",
    "banner",
    "casignaturealgorithms",
    "challengeresponseauthentication",
    "channeltimeout",
    "chrootdirectory",
    "clientalivecountmax",
    "clientaliveinterval",
    "denygroups",
    "denyusers",
    "disableforwarding",
    "exposeauthinfo",
    "forcecommand",
    "gatewayports",
    "gssapiauthentication",
    "hostbasedacceptedalgorithms",
    "hostbasedacceptedkeytypes",
    "hostbasedauthentication",
    "hostbasedusesnamefrompacketonly",
    "ignorerhosts",
    "include",
    "ipqos",
    "kbdinteractiveauthentication",
    "kerberosauthentication",
    "loglevel",
    "logverbose",
    "match",
    "maxauthtries",
    "maxsessions",
    "passwordauthentication",
    "permitemptypasswords",
    "permitlisten",
    "permitopen",
    "permitrootlogin",
    "permittty",
    "permittunnel",
    "permituserrc",
    "pubkeyacceptedalgorithms",
    "pubkeyacceptedkeytypes",
    "pubkeyauthentication",
    "pubkeyauthoptions",
    "rdomain",
    "rekeylimit",
    "requiredrsasize",
    "revokedkeys",
    "rhostsrsaauthentication",
    "rsaauthentication",
    "setenv",
    "skeyauthentication",
    "streamlocalbindmask",
    "streamlocalbindunlink",
    "trustedusercakeys",
    "unusedconnectiontimeout",
    "x11displayoffset",
    "x11forwarding",
    "x11uselocalhost",
];

/// Keywords allowed only in the global part (OpenSSH 9.2).
const GLOBAL_ONLY: &[&str] = &[
    "addressfamily",
    "afstokenpassing",
    "checkmail",
    "ciphers",
    "compression",
    "debianbanner",
    "dsaauthentication",
    "fingerprinthash",
    "gssapicleanupcredentials",
    "gssapicleanupcreds",
    "gssapikexalgorithms",
    "gssapikeyexchange",
    "gssapistorecredentialsonrekey",
    "gssapistrictacceptorcheck",
    "gssapiusesessioncredcache",
    "gssusesessionccache",
    "hostcertificate",
    "hostdsakey",
    "hostkey",
    "hostkeyagent",
    "hostkeyalgorithms",
    "ignoreuserknownhosts",
    "keepalive",
    "kerberosgetafstoken",
    "kerberosorlocalpasswd",
    "kerberostgtpassing",
    "kerberosticketcleanup",
    "kexalgorithms",
    "keyregenerationinterval",
    "listenaddress",
    "logingracetime",
    "macs",
    "maxstartups",
    "modulifile",
    "pamauthenticationviakbdint",
    "permitblacklistedkeys",
    "permituserenvironment",
    "persourcemaxstartups",
    "persourcenetblocksize",
    "pidfile",
    "port",
    "printlastlog",
    "printmotd",
    "protocol",
    "reversemappingcheck",
    "rhostsauthentication",
    "securitykeyprovider",
    "serverkeybits",
    "strictmodes",
    "subsystem",
    "syslogfacility",
    "tcpkeepalive",
    "usedns",
    "uselogin",
    "usepam",
    "useprivilegeseparation",
    "verifyreversemapping",
    "versionaddendum",
    "xauthlocation",
];

/// Keywords of other releases (OpenSSH 9.5-10.x: ChannelTimeout's successors, penalties,
/// session and auth helper paths) and of Red Hat's patches (RHEL 6-9): known, so never an
/// unknown keyword; where they are allowed is not checked.
const OTHER_RELEASES: &[&str] = &[
    "persourcepenalties",
    "persourcepenaltyexemptlist",
    "sshdsessionpath",
    "sshdauthpath",
    "refuseconnection",
    "kerberosusekuserok",
    "gssapienablek5users",
    "authorizedkeyscommandrunas",
    "showpatchlevel",
    "x11maxdisplays",
    "kerberosuniqueccache",
];

/// Values beyond yes/no that some yes/no keywords take (OpenSSH 9.2, by `sshd -T`).
const FLAGS: &[(&str, &[&str])] = &[
    ("allowagentforwarding", &[]),
    ("allowstreamlocalforwarding", &["local", "remote", "all"]),
    ("allowtcpforwarding", &["local", "remote", "all"]),
    ("challengeresponseauthentication", &[]),
    ("compression", &["delayed"]),
    ("debianbanner", &[]),
    ("disableforwarding", &[]),
    ("exposeauthinfo", &[]),
    ("gatewayports", &["clientspecified"]),
    ("gssapiauthentication", &[]),
    ("gssapicleanupcredentials", &[]),
    ("gssapikeyexchange", &[]),
    ("gssapistrictacceptorcheck", &[]),
    ("hostbasedauthentication", &[]),
    ("ignorerhosts", &["shosts-only"]),
    ("ignoreuserknownhosts", &[]),
    ("kbdinteractiveauthentication", &[]),
    ("kerberosauthentication", &[]),
    ("passwordauthentication", &[]),
    ("permitemptypasswords", &[]),
    (
        "permitrootlogin",
        &[
            "prohibit-password",
            "without-password",
            "forced-commands-only",
        ],
    ),
    ("permittty", &[]),
    ("permituserrc", &[]),
    ("printlastlog", &[]),
    ("printmotd", &[]),
    ("pubkeyauthentication", &[]),
    ("strictmodes", &[]),
    ("tcpkeepalive", &[]),
    ("usedns", &[]),
    ("usepam", &[]),
    ("x11forwarding", &[]),
    ("x11uselocalhost", &[]),
];

/// What sshd makes of a keyword line it is not asked about otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted anywhere.
    Fine,
    /// Accepted only outside `Match` blocks.
    GlobalOnly,
    /// Refused wherever it is, with sshd's reason.
    Refused(String),
}

/// Judges `keyword` (as written) with its arguments.
pub fn judge(keyword: &str, args: &[String]) -> Verdict {
    let kw = keyword.to_ascii_lowercase();
    let Some(first) = args.first() else {
        return Verdict::Refused(format!("no argument after keyword \"{keyword}\""));
    };
    let global = GLOBAL_ONLY.binary_search(&kw.as_str()).is_ok();
    if !global
        && MATCH_ALLOWED.binary_search(&kw.as_str()).is_err()
        && !OTHER_RELEASES.contains(&kw.as_str())
    {
        return Verdict::Refused(format!("Bad configuration option: {keyword}"));
    }
    if let Some((_, extra)) = FLAGS.iter().find(|(k, _)| *k == kw) {
        let v = first.to_ascii_lowercase();
        if v != "yes" && v != "no" && !extra.contains(&v.as_str()) {
            return Verdict::Refused(format!("unsupported option \"{first}\""));
        }
    }
    if global {
        Verdict::GlobalOnly
    } else {
        Verdict::Fine
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(line: &str) -> Verdict {
        let mut w = line.split(' ').map(str::to_string);
        let k = w.next().unwrap();
        judge(&k, &w.collect::<Vec<_>>())
    }

    /// The lists are sorted (they are searched by bisection).
    #[test]
    fn sorted() {
        assert!(MATCH_ALLOWED.windows(2).all(|w| w[0] < w[1]));
        assert!(GLOBAL_ONLY.windows(2).all(|w| w[0] < w[1]));
    }

    /// Unknown keywords, missing arguments, bad yes/no values; global and Match keywords.
    #[test]
    fn verdicts() {
        assert_eq!(j("PasswordAuthentication yes"), Verdict::Fine);
        assert_eq!(j("PermitRootLogin prohibit-password"), Verdict::Fine);
        assert_eq!(j("UsePAM YES"), Verdict::GlobalOnly);
        assert_eq!(
            j("UseDNS maybe"),
            Verdict::Refused("unsupported option \"maybe\"".into())
        );
        assert_eq!(
            j("Banner"),
            Verdict::Refused("no argument after keyword \"Banner\"".into())
        );
        assert_eq!(
            j("PasswordAuthenticaton yes"),
            Verdict::Refused("Bad configuration option: PasswordAuthenticaton".into())
        );
        assert_eq!(j("UsePrivilegeSeparation sandbox"), Verdict::GlobalOnly);
        assert_eq!(j("PerSourcePenalties yes"), Verdict::Fine);
    }
}
