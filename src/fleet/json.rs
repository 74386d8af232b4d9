//! The JSON fleet view (schema/fleet.schema.json), written while the reports are read: each
//! host, with its check rows, is serialised as soon as its report is parsed and then dropped, so
//! ten thousand hosts never sit in memory as rows or as one string. The fields that need every
//! host (totals, problems, distributions) follow the `hosts` array; JSON objects are unordered.

use std::cell::RefCell;
use std::io::{self, Write};

use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use super::model::{Builder, FLEET_SCHEMA_VERSION, Fleet, Host, HostCheck};
use super::read::Read;

/// One host of the `hosts` array: the model's fields and its check rows.
#[derive(Serialize)]
struct HostJson<'a> {
    #[serde(flatten)]
    host: &'a Host,
    checks: &'a [HostCheck],
}

/// The whole document; serialising it consumes `reads` and leaves the model in `done`.
struct Document<I> {
    reads: RefCell<I>,
    builder: RefCell<Builder>,
    done: RefCell<Option<Fleet>>,
}

struct Hosts<'a, I>(&'a Document<I>);

impl<I: Iterator<Item = Read>> Serialize for Hosts<'_, I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        let mut reads = self.0.reads.borrow_mut();
        for read in &mut *reads {
            let mut builder = self.0.builder.borrow_mut();
            if let Some((index, checks)) = builder.add(read) {
                seq.serialize_element(&HostJson {
                    host: builder.host(index),
                    checks: &checks,
                })?;
            }
        }
        seq.end()
    }
}

impl<I: Iterator<Item = Read>> Serialize for Document<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Fleet", 11)?;
        st.serialize_field("fleet_schema_version", &FLEET_SCHEMA_VERSION)?;
        st.serialize_field("hosts", &Hosts(self))?;
        let f = self.builder.take().finish();
        st.serialize_field("unreadable", &f.unreadable)?;
        st.serialize_field("totals", &f.totals)?;
        st.serialize_field("problems", &f.problems)?;
        st.serialize_field("scenarios", &f.scenarios)?;
        st.serialize_field("matrices", &f.matrices)?;
        st.serialize_field("os", &f.os)?;
        st.serialize_field("kernels", &f.kernels)?;
        st.serialize_field("mixed", &f.mixed)?;
        *self.done.borrow_mut() = Some(f);
        st.end()
    }
}

/// Writes the fleet JSON of `reads` to `out` (pretty-printed, a newline at the end) and returns
/// the model (without check rows) for the exit status.
pub fn write(reads: impl Iterator<Item = Read>, out: &mut dyn Write) -> io::Result<Fleet> {
    let doc = Document {
        reads: RefCell::new(reads),
        builder: RefCell::new(Builder::default()),
        done: RefCell::new(None),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")?;
    Ok(doc
        .done
        .into_inner()
        .unwrap_or_else(|| Builder::default().finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::read::parse;
    use std::path::PathBuf;

    #[test]
    fn hosts_carry_their_checks_and_totals_follow() {
        let r = parse(
            br#"{"schema_version":1,"ready":false,"system":{"hostname":"a"},
            "checks":[{"id":"ssh.autostart","status":"fail","summary":"s"}]}"#,
        )
        .unwrap();
        let mut out = Vec::new();
        let f = write(
            vec![Read::Host(PathBuf::from("a.json"), Box::new(r))].into_iter(),
            &mut out,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["hosts"][0]["name"], "a");
        assert_eq!(v["hosts"][0]["checks"][0]["summary"], "s");
        assert_eq!(v["totals"]["not_ready"], 1);
        assert_eq!(v["problems"][0]["key"], "ssh.autostart");
        assert_eq!(f.totals.hosts, 1);
    }
}
