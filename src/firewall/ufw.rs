//! ufw as its boot script loads it (`/lib/ufw/ufw-init-functions`): the framework chains hooked
//! into INPUT and OUTPUT, the default input and output policies of `/etc/default/ufw` (REJECT
//! through `ufw-reject-*`, ACCEPT tracked by `ufw-track-*`, `ufw-skip-to-policy-*`), then
//! `before.rules`, `after.rules` and `user.rules` (iptables-restore files) with the user chains
//! hooked at the end of `ufw-before-input` and `ufw-before-output`. The result is an iptables rule
//! set, evaluated as any other.

use super::{Family, Ruleset};

/// ufw's files for one IP version, read by the caller (`before6.rules` and so on for IPv6).
#[derive(Debug, Clone, Default)]
pub struct Files {
    /// `DEFAULT_INPUT_POLICY` of /etc/default/ufw: `DROP`, `REJECT` or `ACCEPT`.
    pub input_policy: String,
    /// `DEFAULT_OUTPUT_POLICY` (ufw's own default is `ACCEPT`).
    pub output_policy: String,
    pub before: String,
    pub after: String,
    pub user: String,
}

/// The chains ufw-init makes for one direction (`input`, `output`) and the jumps to them from
/// the built-in chain; `policy` decides the reject and track rules, `skip` where
/// skip-to-policy goes; `extra` chains are declared only.
fn direction(s: &mut String, t: &str, dir: &str, policy: &str, skip: &str, extra: &[&str]) {
    const HOOKED: [&str; 6] = [
        "before-logging",
        "before",
        "after",
        "after-logging",
        "reject",
        "track",
    ];
    for c in HOOKED {
        s.push_str(&format!(":ufw{t}-{c}-{dir} - [0:0]\n"));
    }
    for c in extra {
        s.push_str(&format!(":ufw{t}-{c} - [0:0]\n"));
    }
    s.push_str(&format!(":ufw{t}-skip-to-policy-{dir} - [0:0]\n"));
    let builtin = dir.to_ascii_uppercase();
    for c in HOOKED {
        s.push_str(&format!("-A {builtin} -j ufw{t}-{c}-{dir}\n"));
    }
    if policy == "REJECT" {
        s.push_str(&format!("-A ufw{t}-reject-{dir} -j REJECT\n"));
    }
    if policy == "ACCEPT" {
        s.push_str(&format!(
            "-A ufw{t}-track-{dir} -p tcp -m conntrack --ctstate NEW -j ACCEPT\n"
        ));
    }
    s.push_str(&format!("-A ufw{t}-skip-to-policy-{dir} -j {skip}\n"));
}

/// The iptables-restore text ufw-init would load, as one dump.
pub fn assemble(files: &Files, family: Family) -> String {
    let t = match family {
        Family::V4 => "",
        Family::V6 => "6",
    };
    let policy = files.input_policy.to_ascii_uppercase();
    let builtin_policy = if policy == "ACCEPT" { "ACCEPT" } else { "DROP" };
    let skip_target = match policy.as_str() {
        "ACCEPT" | "REJECT" => policy.as_str(),
        _ => "DROP",
    };
    let out_policy = files.output_policy.to_ascii_uppercase();
    let out_builtin = if out_policy == "ACCEPT" {
        "ACCEPT"
    } else {
        "DROP"
    };
    let out_skip = match out_policy.as_str() {
        "ACCEPT" | "REJECT" => out_policy.as_str(),
        _ => "DROP",
    };
    let mut s = String::new();
    s.push_str("*filter\n");
    s.push_str(&format!(":INPUT {builtin_policy} [0:0]\n"));
    s.push_str(&format!(":OUTPUT {out_builtin} [0:0]\n"));
    direction(&mut s, t, "output", &out_policy, out_skip, &[]);
    direction(
        &mut s,
        t,
        "input",
        &policy,
        skip_target,
        &["logging-deny", "logging-allow"],
    );
    s.push_str("COMMIT\n");
    for part in [&files.before, &files.after] {
        s.push_str(part);
        s.push('\n');
    }
    s.push_str(&format!(
        "*filter\n:ufw{t}-user-input - [0:0]\n:ufw{t}-user-output - [0:0]\n:ufw{t}-user-logging-input - [0:0]\n:ufw{t}-user-logging-output - [0:0]\n:ufw{t}-user-limit - [0:0]\n:ufw{t}-user-limit-accept - [0:0]\nCOMMIT\n"
    ));
    s.push_str(&files.user);
    s.push('\n');
    s.push_str(&format!(
        "*filter\n-A ufw{t}-before-input -j ufw{t}-user-input\n-A ufw{t}-before-output -j ufw{t}-user-output\nCOMMIT\n"
    ));
    s
}

/// The rule set ufw would load at boot for one IP version.
pub fn compile(files: &Files, family: Family) -> Result<Ruleset, super::iptables::ParseError> {
    super::iptables::parse(&assemble(files, family), family, "ufw")
        .map(|rs| rs.managed_by(super::Manager::Ufw))
}

#[cfg(test)]
mod tests {
    use super::super::eval::{Verdict, evaluate};
    use super::*;

    const BEFORE: &str = "*filter\n:ufw-before-input - [0:0]\n:ufw-not-local - [0:0]\n-A ufw-before-input -i lo -j ACCEPT\n-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A ufw-before-input -m conntrack --ctstate INVALID -j ufw-logging-deny\n-A ufw-before-input -m conntrack --ctstate INVALID -j DROP\n-A ufw-before-input -p icmp --icmp-type echo-request -j ACCEPT\n-A ufw-before-input -p udp --sport 67 --dport 68 -j ACCEPT\n-A ufw-before-input -j ufw-not-local\n-A ufw-not-local -m addrtype --dst-type LOCAL -j RETURN\n-A ufw-not-local -m limit --limit 3/min --limit-burst 10 -j ufw-logging-deny\n-A ufw-not-local -j DROP\nCOMMIT\n";
    const AFTER: &str = "*filter\n:ufw-after-input - [0:0]\n-A ufw-after-input -p tcp --dport 139 -j ufw-skip-to-policy-input\nCOMMIT\n";

    fn files(user_rules: &str, policy: &str) -> Files {
        Files {
            input_policy: policy.into(),
            output_policy: "ACCEPT".into(),
            before: BEFORE.into(),
            after: AFTER.into(),
            user: format!(
                "*filter\n:ufw-user-input - [0:0]\n:ufw-user-limit - [0:0]\n:ufw-user-limit-accept - [0:0]\n### RULES ###\n{user_rules}-A ufw-user-limit -j REJECT\n-A ufw-user-limit-accept -j ACCEPT\nCOMMIT\n"
            ),
        }
    }

    /// `ufw allow 22/tcp` lets 22 in, the default DROP policy keeps 20004 out.
    #[test]
    fn allow_rule_and_policy() {
        let f = files(
            "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n",
            "DROP",
        );
        let rs = compile(&f, Family::V4).unwrap();
        assert_eq!(evaluate(&rs, Family::V4, 22).verdict, Verdict::Accepted);
        let a = evaluate(&rs, Family::V4, 20004);
        assert_eq!(a.verdict, Verdict::Blocked);
        assert_eq!(a.blocked_by[0].chain, "INPUT");
        assert_eq!(a.blocked_by[0].rule, None);
    }

    /// `ufw limit ssh` depends on the peer's history; a default ACCEPT policy lets all in.
    #[test]
    fn limit_and_accept_policy() {
        let f = files(
            "-A ufw-user-input -p tcp --dport 22 -m conntrack --ctstate NEW -m recent --set\n-A ufw-user-input -p tcp --dport 22 -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 -j ufw-user-limit\n-A ufw-user-input -p tcp --dport 22 -j ufw-user-limit-accept\n",
            "DROP",
        );
        let rs = compile(&f, Family::V4).unwrap();
        assert_eq!(evaluate(&rs, Family::V4, 22).verdict, Verdict::Conditional);
        let rs = compile(&files("", "ACCEPT"), Family::V4).unwrap();
        assert_eq!(evaluate(&rs, Family::V4, 20004).verdict, Verdict::Accepted);
        let rs = compile(&files("", "REJECT"), Family::V4).unwrap();
        assert_eq!(evaluate(&rs, Family::V4, 20004).verdict, Verdict::Blocked);
    }

    /// The outgoing side: ufw's default ACCEPT lets new connections out (through
    /// ufw-track-output), DROP and REJECT block them unless `ufw allow out` wrote a user rule.
    #[test]
    fn output_policy_and_user_output() {
        use super::super::egress::evaluate_connect;
        let out = |user: &str, policy: &str| {
            let mut f = files(user, "DROP");
            f.output_policy = policy.into();
            f.user = f.user.replace(
                ":ufw-user-input - [0:0]\n",
                ":ufw-user-input - [0:0]\n:ufw-user-output - [0:0]\n",
            );
            let rs = compile(&f, Family::V4).unwrap();
            evaluate_connect(&rs, Family::V4, 443, None).verdict
        };
        assert_eq!(out("", "ACCEPT"), Verdict::Accepted);
        assert_eq!(out("", "DROP"), Verdict::Blocked);
        assert_eq!(out("", "REJECT"), Verdict::Blocked);
        let allow = "### tuple ### allow tcp 443 0.0.0.0/0 any 0.0.0.0/0 out\n-A ufw-user-output -p tcp --dport 443 -j ACCEPT\n";
        assert_eq!(out(allow, "DROP"), Verdict::Accepted);
    }
}
