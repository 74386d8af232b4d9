//! Shared by the firewall targets: a rule set that compiled is evaluated for the ports the
//! checks ask about, and for a new connection out to 443, in both IP versions.
use asr_preflight::firewall::egress::evaluate_connect;
use asr_preflight::firewall::eval::evaluate;
use asr_preflight::firewall::{Family, Ruleset};

pub fn judge(rs: &Ruleset) {
    for family in [Family::V4, Family::V6] {
        for port in [22, 20004] {
            let _ = evaluate(rs, family, port);
        }
        // The way out as net.egress-firewall asks it (output and postrouting chains).
        let _ = evaluate_connect(rs, family, 443, None);
    }
}
