//! The machine-readable tracking report of chrony (`chronyc -c tracking`): one line of
//! comma-separated fields, in the order of the human report (reference id, reference name,
//! stratum, reference time, system time correction, last offset, RMS offset, frequency,
//! residual frequency, skew, root delay, root dispersion, update interval, leap status).

/// What the checks use of chrony's tracking report.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracking {
    /// The reference's name or address (empty when chronyd has none).
    pub reference: String,
    pub stratum: u32,
    /// How far the system clock is from chrony's idea of true time, in seconds (chrony's
    /// "System time" line: the correction it is still applying).
    pub system_offset: f64,
    /// `Normal`, `Insert second`, `Delete second` or `Not synchronised`.
    pub leap_status: String,
}

impl Tracking {
    /// chronyd itself says it is synchronised to a source.
    pub fn synchronised(&self) -> bool {
        self.leap_status != "Not synchronised" && self.stratum > 0 && self.stratum < 16
    }
}

/// The first tracking line of the output; `Err` says what did not fit.
pub fn parse_tracking(text: &str) -> Result<Tracking, String> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .ok_or_else(|| "empty output".to_string())?;
    let fields: Vec<&str> = line.split(',').collect();
    if fields.len() < 14 {
        return Err(format!(
            "expected 14 comma-separated fields, found {}: {line}",
            fields.len()
        ));
    }
    let stratum = fields[2]
        .parse::<u32>()
        .map_err(|_| format!("stratum {:?} is not a number", fields[2]))?;
    let system_offset = fields[4]
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("system time {:?} is not a number", fields[4]))?;
    Ok(Tracking {
        reference: fields[1].to_string(),
        stratum,
        system_offset,
        leap_status: fields[13].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synchronised chronyd, as `chronyc -c tracking` prints it.
    #[test]
    fn synchronised_line() {
        let t = parse_tracking("A9FEA97B,169.254.169.123,3,1795320251.422511000,-0.000012345,0.000001,0.000020,-5.209,-0.000,0.014,0.019563328,0.000658651,64.4,Normal\n").unwrap();
        assert_eq!(t.reference, "169.254.169.123");
        assert_eq!(t.stratum, 3);
        assert!((t.system_offset + 0.000012345).abs() < 1e-12);
        assert!(t.synchronised());
    }

    /// chronyd without a source: stratum 0, "Not synchronised".
    #[test]
    fn unsynchronised_line() {
        let t = parse_tracking(
            "00000000,,0,0.000000000,0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,1.000000000,1.000000000,0.0,Not synchronised\n",
        )
        .unwrap();
        assert!(!t.synchronised());
    }

    /// Truncated or garbled output is an error naming what is wrong.
    #[test]
    fn garbage() {
        assert!(parse_tracking("").unwrap_err().contains("empty"));
        assert!(parse_tracking("a,b,c").unwrap_err().contains("14"));
        let e = parse_tracking("0,x,three,0,0,0,0,0,0,0,0,0,0,Normal").unwrap_err();
        assert!(e.contains("stratum"), "{e}");
        let e = parse_tracking("0,x,3,0,nan,0,0,0,0,0,0,0,0,Normal").unwrap_err();
        assert!(e.contains("system time"), "{e}");
    }
}
