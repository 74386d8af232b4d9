//! Kernel command lines (`/proc/cmdline`, a boot entry's arguments, GRUB_CMDLINE_LINUX): words
//! separated by blanks, `key=value` or a bare flag; double quotes group a value with spaces, as
//! the kernel's own parser allows (`param="a b"`).

/// One argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelArg {
    pub key: String,
    pub value: Option<String>,
}

impl KernelArg {
    /// The argument as written, without quotes.
    pub fn text(&self) -> String {
        match &self.value {
            Some(v) => format!("{}={v}", self.key),
            None => self.key.clone(),
        }
    }
}

/// Every argument in order; everything after a lone `--` belongs to init, not the kernel.
pub fn parse(line: &str) -> Vec<KernelArg> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_quotes = false;
    let mut has = false;
    let flush = |word: &mut String, out: &mut Vec<KernelArg>| {
        let w = std::mem::take(word);
        match w.split_once('=') {
            Some((k, v)) => out.push(KernelArg {
                key: k.to_string(),
                value: Some(v.to_string()),
            }),
            None => out.push(KernelArg {
                key: w,
                value: None,
            }),
        }
    };
    for c in line.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                has = true;
            }
            c if c.is_whitespace() && !in_quotes => {
                if has {
                    if word == "--" {
                        return out;
                    }
                    flush(&mut word, &mut out);
                    has = false;
                }
            }
            c => {
                word.push(c);
                has = true;
            }
        }
    }
    if has && word != "--" {
        flush(&mut word, &mut out);
    }
    out
}

/// The value of the last `key=` argument (the kernel lets a later one win).
pub fn value<'a>(args: &'a [KernelArg], key: &str) -> Option<&'a str> {
    args.iter()
        .rev()
        .find(|a| a.key == key)
        .and_then(|a| a.value.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys, values, flags, quoted values and the `--` that ends the kernel's part.
    #[test]
    fn splits_like_the_kernel() {
        let a = parse("ro root=UUID=1234 rd.lvm.lv=vg/root  quiet acpi=0 x=\"a b\" -- single");
        assert_eq!(a.len(), 6);
        assert_eq!(value(&a, "root"), Some("UUID=1234"));
        assert_eq!(value(&a, "x"), Some("a b"));
        assert_eq!(
            a[0],
            KernelArg {
                key: "ro".into(),
                value: None
            }
        );
        assert!(!a.iter().any(|x| x.key == "single"));
        assert_eq!(a[4].text(), "acpi=0");
    }

    /// A later duplicate wins; an empty line has no arguments.
    #[test]
    fn last_wins() {
        let a = parse("root=/dev/sda1 root=/dev/mapper/vg-root\n");
        assert_eq!(value(&a, "root"), Some("/dev/mapper/vg-root"));
        assert!(parse("  \n").is_empty());
    }
}
